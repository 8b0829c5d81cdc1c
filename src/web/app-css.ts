/** The stylesheet, served from /assets/app.css: the CSP allows styles only from this site. */
export const appCss = `
:root {
  --ink: #1d2330;
  --muted: #5b6474;
  --line: #dde1e8;
  --soft: #f5f6f8;
  --paper: #ffffff;
  --accent: #1f5fae;
  --accent-ink: #ffffff;
  --accent-soft: #e8f0fa;
  --good: #1d7a46;
  --good-soft: #e7f5ec;
  --warn: #8a5a00;
  --warn-soft: #fdf4e1;
  --bad: #b42318;
  --bad-soft: #fdecea;
  --focus: #f0b429;
  --radius: 8px;
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink);
  background: var(--soft);
}
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
h1, h2, h3 { line-height: 1.25; margin: 0 0 .5em; }
h1 { font-size: 1.6rem; font-weight: 650; }
h2 { font-size: 1.2rem; font-weight: 650; margin-top: 1.5em; }
h3 { font-size: 1rem; font-weight: 650; }
p { margin: 0 0 1em; }
code, kbd, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
code { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 0 .3em; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: var(--radius); padding: .75rem 1rem; overflow-x: auto; }
pre code { border: 0; padding: 0; background: none; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip-link { position: absolute; left: -999px; top: 0; background: var(--paper); padding: .5rem 1rem; z-index: 10; }
.skip-link:focus { left: .5rem; top: .5rem; }

.site-header {
  background: var(--paper);
  border-bottom: 1px solid var(--line);
}
.site-header-inner {
  max-width: 72rem; margin: 0 auto; padding: .6rem 1rem;
  display: flex; align-items: center; justify-content: space-between; gap: 1rem;
}
.brand { font-weight: 700; font-size: 1.15rem; color: var(--ink); text-decoration: none; letter-spacing: .01em; }
.brand-mark { display: inline-block; width: .7em; height: .7em; border-radius: 2px; background: var(--accent); margin-right: .45em; }

.user-menu { position: relative; }
.user-menu > summary {
  list-style: none; cursor: pointer; user-select: none;
  padding: .4rem .8rem; border: 1px solid var(--line); border-radius: var(--radius);
  background: var(--paper); font-weight: 550;
}
.user-menu > summary::-webkit-details-marker { display: none; }
.user-menu > summary::after { content: ""; display: inline-block; margin-left: .5em; border: 5px solid transparent; border-top-color: currentColor; vertical-align: -2px; }
.user-menu[open] > summary { background: var(--accent-soft); border-color: var(--accent); }
.user-menu-panel {
  position: absolute; right: 0; top: calc(100% + .4rem); z-index: 5; min-width: 15rem;
  background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius);
  box-shadow: 0 8px 24px rgba(20, 30, 50, .12); padding: .4rem;
}
.user-menu-panel ul { list-style: none; margin: 0; padding: 0; }
.user-menu-panel a, .user-menu-panel button {
  display: block; width: 100%; text-align: left; padding: .5rem .7rem; border-radius: 6px;
  color: var(--ink); text-decoration: none; font: inherit; background: none; border: 0; cursor: pointer;
}
.user-menu-panel a:hover, .user-menu-panel button:hover { background: var(--soft); }
.user-menu-panel a[aria-current="page"] { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.user-menu-who { padding: .4rem .7rem .6rem; color: var(--muted); font-size: .9rem; border-bottom: 1px solid var(--line); margin-bottom: .3rem; }
.user-menu-who strong { color: var(--ink); display: block; }
.user-menu-panel hr { border: 0; border-top: 1px solid var(--line); margin: .3rem 0; }

main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
.narrow { max-width: 34rem; }
.page-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .5rem 1rem; margin-bottom: 1rem; }
.page-head h1 { margin: 0; }
.lead { color: var(--muted); font-size: 1.05rem; }
.muted { color: var(--muted); }
.small { font-size: .9rem; }

.card {
  background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius);
  padding: 1.25rem; margin-bottom: 1.25rem;
}
.card > :last-child { margin-bottom: 0; }
.card h2:first-child { margin-top: 0; }

.notice { border-radius: var(--radius); padding: .8rem 1rem; margin-bottom: 1.25rem; border: 1px solid var(--line); border-left-width: 4px; background: var(--paper); }
.notice > :last-child { margin-bottom: 0; }
.notice-error { border-color: var(--bad); background: var(--bad-soft); }
.notice-success { border-color: var(--good); background: var(--good-soft); }
.notice-warning { border-color: var(--warn); background: var(--warn-soft); }
.notice-info { border-color: var(--accent); background: var(--accent-soft); }

label, .label { display: block; font-weight: 600; margin-bottom: .3rem; }
.hint { display: block; color: var(--muted); font-size: .9rem; font-weight: 400; margin-top: -.15rem; margin-bottom: .35rem; }
.field { margin-bottom: 1rem; }
input[type="text"], input[type="password"], input[type="search"], input[type="date"], input[type="email"], select, textarea {
  width: 100%; max-width: 28rem; font: inherit; color: inherit;
  padding: .5rem .65rem; border: 1px solid #b9c0cc; border-radius: 6px; background: var(--paper);
}
input[type="text"], input[type="password"], input[type="search"], input[type="date"], input[type="email"], select { min-height: 2.6rem; }
input[type="file"] { font: inherit; max-width: 100%; padding: .5rem; border: 1px dashed #b9c0cc; border-radius: 6px; background: var(--soft); width: 100%; max-width: 28rem; }
input:focus-visible, select:focus-visible, textarea:focus-visible { border-color: var(--accent); }
input[readonly] { background: var(--soft); }
.checkbox { display: flex; gap: .6rem; align-items: flex-start; font-weight: 400; margin-bottom: .6rem; }
.checkbox input { width: 1.1rem; height: 1.1rem; margin-top: .2rem; flex: none; }
fieldset { border: 1px solid var(--line); border-radius: var(--radius); padding: .8rem 1rem; margin: 0 0 1rem; }
legend { font-weight: 600; padding: 0 .3rem; }

.button, button {
  display: inline-flex; align-items: center; justify-content: center; gap: .4rem;
  font: inherit; font-weight: 600; line-height: 1.2; text-decoration: none; cursor: pointer;
  padding: .6rem 1.1rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-ink);
}
.button:hover, button:hover { filter: brightness(1.08); }
.button-secondary { background: var(--paper); color: var(--accent); border-color: #b9c0cc; }
.button-danger { background: var(--paper); color: var(--bad); border-color: #e3b4ae; }
.button-small { padding: .35rem .7rem; font-size: .9rem; }
button[disabled] { opacity: .6; cursor: progress; }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin-top: 1rem; }
.inline-form { display: inline; }

.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; }
.filters .field { margin-bottom: 0; flex: 1 1 11rem; }
.filters input, .filters select { max-width: none; }

.table-wrap { overflow-x: auto; background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; padding: .7rem .9rem; font-weight: 600; color: var(--muted); }
th, td { text-align: left; padding: .55rem .9rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--soft); font-size: .85rem; color: var(--muted); font-weight: 600; white-space: nowrap; }
tbody tr:last-child > * { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { padding: 1.5rem; text-align: center; color: var(--muted); }
td.wide { min-width: 16rem; }

dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1.25rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }

.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(8rem, 1fr)); gap: .75rem; margin: 0 0 1.25rem; padding: 0; list-style: none; }
.stats li { background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); padding: .7rem .9rem; }
.stats .stat-value { display: block; font-size: 1.5rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.stats .stat-label { color: var(--muted); font-size: .9rem; }
.summary { font-size: 1.25rem; font-weight: 600; }

.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .82rem; font-weight: 600; background: var(--soft); border: 1px solid var(--line); white-space: nowrap; }
.badge-created, .badge-completed { background: var(--good-soft); color: var(--good); border-color: #b7dfc5; }
.badge-updated, .badge-processing, .badge-queued { background: var(--accent-soft); color: var(--accent); border-color: #bcd2ee; }
.badge-failed { background: var(--bad-soft); color: var(--bad); border-color: #f1c3bd; }
.badge-ready { background: var(--warn-soft); color: var(--warn); border-color: #eed7a7; }

.messages { margin: 0; padding: 0; list-style: none; }
.messages li + li { margin-top: .25rem; }
.message-error::before { content: "Error: "; font-weight: 600; color: var(--bad); }
.message-warning::before { content: "Warning: "; font-weight: 600; color: var(--warn); }

progress { width: 100%; height: 1rem; appearance: none; border: 0; border-radius: 999px; background: var(--line); overflow: hidden; }
progress::-webkit-progress-bar { background: var(--line); border-radius: 999px; }
progress::-webkit-progress-value { background: var(--accent); border-radius: 999px; }
progress::-moz-progress-bar { background: var(--accent); border-radius: 999px; }

.tabs { display: flex; flex-wrap: wrap; gap: .4rem; margin: 0 0 .75rem; padding: 0; list-style: none; }
.tabs a { display: inline-block; padding: .35rem .8rem; border-radius: 999px; border: 1px solid var(--line); background: var(--paper); text-decoration: none; color: var(--ink); font-size: .92rem; }
.tabs a[aria-current="page"] { background: var(--ink); border-color: var(--ink); color: var(--paper); }
.pager { display: flex; gap: .75rem; justify-content: space-between; align-items: center; flex-wrap: wrap; }

.format-list { margin: 0; padding: 0; list-style: none; }
.format-list li { padding: .7rem 0; border-bottom: 1px solid var(--line); }
.format-list li:last-child { border-bottom: 0; }
.format-list code { font-weight: 600; }
.token-field { display: flex; gap: .5rem; flex-wrap: wrap; margin-bottom: 1.25rem; }
.token-field input { flex: 1 1 18rem; max-width: none; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }

@media (max-width: 40rem) {
  body { font-size: 15px; }
  main { padding: 1rem .75rem 2rem; }
  h1 { font-size: 1.35rem; }
  .card { padding: 1rem; }
  th, td { padding: .5rem .6rem; }
  dl.facts { grid-template-columns: 1fr; gap: 0; }
  dl.facts dd { margin-bottom: .5rem; }
  .user-menu-panel { position: fixed; left: .5rem; right: .5rem; top: 3.4rem; }
  /* A stacked table's rows become blocks of cells that wrap, so no column is cut off at the edge. */
  table.stacked thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.stacked tr { display: flex; flex-wrap: wrap; align-items: baseline; gap: .2rem 1rem; padding: .6rem; border-bottom: 1px solid var(--line); }
  table.stacked tbody tr:last-child { border-bottom: 0; }
  table.stacked th, table.stacked td { display: block; padding: 0; border: 0; min-width: 0; text-align: left; overflow-wrap: anywhere; }
  table.stacked td.wide, table.stacked td.empty, table.stacked .own-line { flex-basis: 100%; }
  table.stacked td.blank { display: none; }
  table.stacked td.empty { padding: 1rem 0; text-align: center; }
  /* The label is drawn for the eye; screen readers have the column headings. */
  table.stacked [data-label]::before { content: attr(data-label) " "; content: attr(data-label) " " / ""; color: var(--muted); font-size: .85rem; font-weight: 400; }
}
@media (prefers-reduced-motion: no-preference) {
  .user-menu-panel { animation: menu-in .12s ease-out; }
  @keyframes menu-in { from { opacity: 0; transform: translateY(-4px); } to { opacity: 1; transform: none; } }
}

.api-operation > summary { cursor: pointer; }
.api-method { display: inline-block; min-width: 3.6em; font-weight: 700; font-size: .85rem; }
.try-it { border-top: 1px solid var(--line); margin-top: 1rem; padding-top: .5rem; }
.try-it-answer { display: block; margin-top: .75rem; white-space: pre-wrap; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9rem; }
`;
