// Signature pads: a canvas that draws with pointer events (finger, pen or mouse alike) and
// writes the drawing as a PNG (base64) into the hidden input it names, so the form posts it.
// Without this file the canvas stays blank and the typed name with its tick signs instead.
(function () {
  "use strict";

  function enhance(canvas) {
    var input = document.getElementById(canvas.getAttribute("data-signature-for"));
    if (!input || canvas.dataset.enhanced) return;
    canvas.dataset.enhanced = "1";
    var pen = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    pen.lineWidth = 3;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.strokeStyle = "#111";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height)
      };
    }

    function save() {
      if (drawn) input.value = canvas.toDataURL("image/png").replace(/^data:image\/png;base64,/, "");
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      // Keep the stroke when the pointer leaves the pad; some pointers cannot be captured.
      try { canvas.setPointerCapture(event.pointerId); } catch (ignored) { /* draw anyway */ }
      drawing = true;
      var at = point(event);
      pen.beginPath();
      pen.moveTo(at.x, at.y);
      pen.lineTo(at.x + 0.1, at.y + 0.1);
      pen.stroke();
      drawn = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var at = point(event);
      pen.lineTo(at.x, at.y);
      pen.stroke();
    });
    ["pointerup", "pointercancel"].forEach(function (kind) {
      canvas.addEventListener(kind, function () {
        if (!drawing) return;
        drawing = false;
        save();
      });
    });

    var clear = document.querySelector('[data-clear-signature="' + input.id + '"]');
    if (clear) {
      clear.addEventListener("click", function () {
        pen.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        input.value = "";
      });
    }
  }

  function start() {
    document.querySelectorAll("canvas[data-signature-for]").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
