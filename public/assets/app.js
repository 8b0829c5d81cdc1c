/*
 * The page script. Every page works without it; it only makes things smoother: the report
 * updates in place (keeping focus, and telling screen readers how it goes), the menu closes like
 * a menu, times read local.
 */
"use strict";
(function () {
  function localTime(when) {
    return when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      el.textContent = localTime(when);
      el.title = when.toISOString();
    });
    // An option holds only text: its moment first, then the rest of its words.
    root.querySelectorAll("option[data-local]").forEach(function (el) {
      var when = new Date(el.getAttribute("data-local"));
      if (isNaN(when.getTime())) return;
      el.textContent = localTime(when) + el.getAttribute("data-rest");
    });
  }

  // Times read local, so a day chosen in a filter must mean the reader's day too: the form
  // sends their time zone, and the page keeps UTC without the script, as its times do.
  function timeZoneFields(root) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) return;
    root.querySelectorAll("input[data-time-zone]").forEach(function (field) {
      field.value = zone;
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
          setTimeout(function () {
            button.textContent = "Copy";
          }, 2000);
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

  // What to find the focused element by once the content is replaced: its tag, id, link or
  // name, and which of the elements alike it is (the Errors tab, the second Next page link).
  function focusKey(root) {
    var el = document.activeElement;
    if (!el || el === root || !root.contains(el)) return null;
    var key = { tag: el.tagName, id: el.id, href: el.getAttribute("href"), name: el.getAttribute("name") };
    key.index = alike(root, key).indexOf(el);
    return key;
  }

  function alike(root, key) {
    return Array.prototype.filter.call(root.getElementsByTagName(key.tag), function (el) {
      return el.id === key.id && el.getAttribute("href") === key.href && el.getAttribute("name") === key.name;
    });
  }

  function restoreFocus(root, key) {
    var el = key && alike(root, key)[key.index];
    if (el) el.focus({ preventScroll: true });
  }

  // A screen reader announces changes to a live region it already knows, not one that arrives
  // with new content; so the region lives outside <main>, and says only what data-announce says
  // when that changes (a quarter done, finished), not every count.
  function announcer(main) {
    var region = document.createElement("p");
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.appendChild(region);
    var said = announcement(main);
    return function () {
      var text = announcement(main);
      if (text && text !== said) region.textContent = text;
      said = text;
    };
  }

  function announcement(root) {
    var el = root.querySelector("[data-announce]");
    return el ? el.getAttribute("data-announce") : "";
  }

  // The report polls its own page and swaps the content in, instead of the no-script refresh.
  function followProgress() {
    var main = document.querySelector("main");
    if (!main || !main.querySelector("[data-live]")) return;
    var announce = announcer(main);
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
          var focused = focusKey(main);
          main.innerHTML = fresh.innerHTML;
          document.title = next.title;
          enhance(main);
          restoreFocus(main, focused);
          announce();
          if (main.querySelector("[data-live]")) setTimeout(poll, 2000);
        })
        .catch(function () {
          location.reload();
        });
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
    timeZoneFields(root);
    copyButtons(root);
    busyForms(root);
  }

  enhance(document);
  userMenu();
  followProgress();
})();
