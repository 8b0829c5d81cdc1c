/**
 * The page script, served from /assets/app.js. Every page works without it; it only makes
 * things smoother: the report updates in place, the menu closes like a menu, times read local.
 */
export const appJs = `"use strict";
(function () {
  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      el.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      el.title = when.toISOString();
    });
  }

  function copyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 2000);
        });
      });
    });
  }

  function busyForms(root) {
    root.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit], button:not([type])");
        if (!button) return;
        // Disabled after this tick, so the button's own value is still sent.
        setTimeout(function () {
          button.disabled = true;
          button.textContent = form.getAttribute("data-busy");
        }, 0);
      });
    });
  }

  // The report polls its own page and swaps the content in, instead of the no-script refresh.
  function followProgress() {
    var main = document.querySelector("main");
    if (!main || !main.querySelector("[data-live]")) return;
    setTimeout(function poll() {
      fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (res) {
          if (!res.ok || res.redirected) throw new Error("stopped");
          return res.text();
        })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, "text/html");
          var fresh = next.querySelector("main");
          if (!fresh) return;
          main.innerHTML = fresh.innerHTML;
          document.title = next.title;
          enhance(main);
          if (main.querySelector("[data-live]")) setTimeout(poll, 2000);
        })
        .catch(function () { location.reload(); });
    }, 2000);
  }

  function userMenu() {
    var menu = document.querySelector("details.user-menu");
    if (!menu) return;
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  function enhance(root) {
    localTimes(root);
    copyButtons(root);
    busyForms(root);
  }

  enhance(document);
  userMenu();
  followProgress();
})();
`;
