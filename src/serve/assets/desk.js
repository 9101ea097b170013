// The desk's only script. Everything works without it; it adds drag-and-drop
// and an upload/check progress indicator to the self-check form.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var form = document.getElementById("check-form");
    if (!form) return;
    var input = document.getElementById("file");
    var drop = document.getElementById("drop");
    var chosen = document.getElementById("chosen");
    function listChosen() {
      chosen.textContent = "";
      for (var i = 0; i < input.files.length; i++) {
        var li = document.createElement("li");
        li.textContent = input.files[i].name; // text, never HTML
        chosen.appendChild(li);
      }
    }
    input.addEventListener("change", listChosen);
    ["dragenter", "dragover"].forEach(function (type) {
      drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      drop.addEventListener(type, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        listChosen();
      }
    });
    form.addEventListener("submit", function (e) {
      if (!window.XMLHttpRequest || !window.FormData) return; // plain post
      e.preventDefault();
      var box = document.getElementById("progress");
      var bar = document.getElementById("progress-bar");
      var text = document.getElementById("progress-text");
      box.hidden = false;
      document.getElementById("submit").disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (p) {
        if (p.lengthComputable) {
          bar.value = Math.round((p.loaded / p.total) * 100);
          text.textContent = box.dataset.uploading + " " + bar.value + "%";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        text.textContent = box.dataset.checking;
      });
      function show(html) {
        // The answer is a whole page from this desk: show it as the browser would.
        document.open();
        document.write(html);
        document.close();
      }
      xhr.addEventListener("load", function () { show(xhr.responseText); });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  });
})();
