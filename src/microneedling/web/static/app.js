// Enhancements only: every page works without this file.
// 1. Zone maps in pick mode: a click on a shape toggles the matching zone checkbox. The map is
//    a mouse shortcut only: keyboards and screen readers use the checklist, so no shape is a
//    tab stop (Save on the plan form was 108 Tab presses away, 58 without the map).
// 2. Before/after slider: the range input sets how much of the "after" photo shows.
// 3. A button marked data-print prints the page (no inline handlers: the CSP forbids them).
// 4. A table wider than the screen scrolls inside itself (phones): it becomes a tab stop, so a
//    keyboard can scroll it too.
(function () {
  "use strict";

  function checkboxFor(map, zone) {
    var name = map.getAttribute("data-pick") + ".zones";
    return document.querySelector('input[type="checkbox"][name="' + name + '"][value="' + zone + '"]');
  }

  function sync(map) {
    map.querySelectorAll("path.zone").forEach(function (shape) {
      var box = checkboxFor(map, shape.getAttribute("data-zone"));
      var on = !!(box && box.checked);
      shape.classList.toggle("picked", on);
    });
  }

  function enhanceMap(map) {
    if (map.dataset.enhanced) return;
    map.dataset.enhanced = "1";
    map.querySelectorAll("path.zone").forEach(function (shape) {
      var box = checkboxFor(map, shape.getAttribute("data-zone"));
      if (!box) return;
      shape.addEventListener("click", function () {
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        sync(map);
      });
    });
    var form = map.closest("form");
    if (form) form.addEventListener("change", function () { sync(map); });
    sync(map);
  }

  function enhanceSlider(slider) {
    var input = slider.querySelector('input[type="range"]');
    if (!input || slider.dataset.enhanced) return;
    slider.dataset.enhanced = "1";
    slider.classList.add("enhanced");
    function update() { slider.style.setProperty("--reveal", input.value + "%"); }
    input.addEventListener("input", update);
    update();
  }

  function markScrollable(table) {
    if (table.scrollWidth > table.clientWidth) table.setAttribute("tabindex", "0");
    else table.removeAttribute("tabindex");
  }

  function enhance(root) {
    root.querySelectorAll("table").forEach(markScrollable);
    root.querySelectorAll(".zone-map[data-pick]").forEach(enhanceMap);
    root.querySelectorAll(".compare-slider").forEach(enhanceSlider);
    root.querySelectorAll("button[data-print]").forEach(function (button) {
      if (button.dataset.enhanced) return;
      button.dataset.enhanced = "1";
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (event) { enhance(event.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("table").forEach(markScrollable);
  });
})();
