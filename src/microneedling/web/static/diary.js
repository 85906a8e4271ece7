// Drag a booking onto another hour of the diary to move it there: the drop fills in the
// card's own move form (same date and time fields a keyboard user fills in) and sends it.
"use strict";
(function () {
  let dragged = null;
  document.querySelectorAll(".booking[draggable='true']").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.appointment);
    });
    card.addEventListener("dragend", function () { dragged = null; });
  });
  document.querySelectorAll(".slot").forEach(function (slot) {
    slot.addEventListener("dragover", function (event) {
      if (dragged) { event.preventDefault(); slot.classList.add("drop-target"); }
    });
    slot.addEventListener("dragleave", function () { slot.classList.remove("drop-target"); });
    slot.addEventListener("drop", function (event) {
      event.preventDefault();
      slot.classList.remove("drop-target");
      if (!dragged) { return; }
      const form = dragged.querySelector("form.move");
      const minutes = form.elements.time.value.slice(3, 5) || "00";
      form.elements.date.value = slot.dataset.day;
      form.elements.time.value = slot.dataset.hour + ":" + minutes;
      form.requestSubmit();
    });
  });
})();
