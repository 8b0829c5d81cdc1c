/** The tab icon: Roster's blue square, served from /assets/icon.svg. */
export const iconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="4" y="4" width="24" height="24" rx="5" fill="#1f5fae"/><path d="M11 10h7a4 4 0 0 1 0 8h-7zM11 18v5M16 18l5 5" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
