// The reference page's script: it shows each operation's "Try it" form and sends the call with the
// token typed at the top. The page reads without it.
"use strict";
(function () {
  var tokenField = document.querySelector(".try-it-token");
  var token = document.getElementById("api-token");
  if (!tokenField || !token || !window.fetch) return;
  tokenField.hidden = false;
  document.querySelectorAll("form.try-it").forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var path = form.getAttribute("data-path");
      var query = new URLSearchParams();
      form.querySelectorAll("input[data-in]").forEach(function (input) {
        if (input.value === "") return;
        if (input.getAttribute("data-in") === "path")
          path = path.replace("{" + input.name + "}", encodeURIComponent(input.value));
        else query.append(input.name, input.value);
      });
      var init = { method: form.getAttribute("data-method"), headers: {} };
      if (token.value) init.headers.Authorization = "Bearer " + token.value;
      var body = form.querySelector("textarea[name=body]");
      if (body && body.value !== "") {
        init.headers["Content-Type"] = form.getAttribute("data-body-type");
        init.body = body.value;
      }
      var answer = form.querySelector("output");
      answer.textContent = "Sending…";
      var url = path + (query.toString() ? "?" + query.toString() : "");
      fetch(url, init).then(
        function (res) {
          return res.text().then(function (text) {
            var shown = text;
            try {
              shown = JSON.stringify(JSON.parse(text), null, 2);
            } catch (e) {
              /* not JSON: shown as it came */
            }
            answer.textContent = res.status + " " + res.statusText + "\n" + shown;
          });
        },
        function (err) {
          answer.textContent = "The call did not reach Roster: " + err.message;
        },
      );
    });
  });
})();
