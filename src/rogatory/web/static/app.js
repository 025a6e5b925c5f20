// rogatory: the little the pages do with JavaScript. Everything works without it.
(function () {
  "use strict";

  // Queue: j / k move between cases, "/" goes to the search box.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var links = Array.prototype.slice.call(document.querySelectorAll("a.case-link"));
    if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if ((event.key === "j" || event.key === "k") && links.length) {
      var at = links.indexOf(document.activeElement);
      var next = event.key === "j" ? at + 1 : at - 1;
      if (at === -1) { next = 0; }
      next = Math.max(0, Math.min(links.length - 1, next));
      event.preventDefault();
      links[next].focus();
    }
  });

  // Evidence: send the file as the raw body with a progress bar; the server answers with
  // the SHA-256 it recorded, shown before the page reloads with the file listed.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-upload]")) { return; }
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files || !input.files.length) { return; }
    event.preventDefault();
    var file = input.files[0];
    var bar = form.querySelector("progress");
    var status = form.querySelector("[role=status]");
    var csrf = form.querySelector("input[name=csrf_token]").value;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-upload") + "?name=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    bar.hidden = false;
    bar.value = 0;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = {}; }
      if (xhr.status === 201) {
        bar.value = 100;
        status.textContent = "Uploaded " + answer.name + ", SHA-256 " + answer.sha256;
        setTimeout(function () { window.location.reload(); }, 600);
      } else {
        status.textContent = "Not uploaded: " + (answer.detail || xhr.statusText);
      }
    });
    xhr.addEventListener("error", function () { status.textContent = "Not uploaded: network error"; });
    status.textContent = "Uploading " + file.name + "…";
    xhr.send(file);
  });
})();
