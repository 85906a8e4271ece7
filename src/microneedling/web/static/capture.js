// Guided capture on the photos page: the browser's camera, with the client's previous photo
// of the chosen view laid over it, faint, to line the face up with. A photo taken here fills
// the upload form's file field and sends the form, so it is checked and stored like an
// upload; without a camera or without JavaScript the form is used as it is.
(function () {
  "use strict";

  function ghostsOf(box) {
    var found = {};
    (box.dataset.ghosts || "").split(",").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts.length === 2) found[parts[0]] = parts[1];
    });
    return found;
  }

  function start(box) {
    var form = document.getElementById("photo-form");
    var video = document.getElementById("capture-video");
    var ghost = document.getElementById("capture-ghost");
    var status = document.getElementById("capture-status");
    var take = document.getElementById("capture-take");
    var view = document.getElementById("view");
    var zone = document.getElementById("zone");
    var file = document.getElementById("file");
    var ghosts = ghostsOf(box);

    function showGhost() {
      var key = view.value === "close_up" && zone.value ? "close_up:" + zone.value : view.value;
      var id = ghosts[key];
      if (id) {
        ghost.src = "/photos/" + id + "/screen";
        ghost.hidden = false;
      } else {
        ghost.hidden = true;
        ghost.removeAttribute("src");
      }
    }

    view.addEventListener("change", showGhost);
    zone.addEventListener("change", showGhost);

    navigator.mediaDevices
      .getUserMedia({ audio: false, video: { facingMode: "environment", width: { ideal: 1920 } } })
      .then(function (stream) {
        box.hidden = false;
        video.srcObject = stream;
        showGhost();
      })
      .catch(function () {
        box.hidden = false;
        box.classList.add("no-camera");
        status.textContent = "No camera is available here: choose a photo file below instead.";
        take.disabled = true;
      });

    take.addEventListener("click", function () {
      if (!video.videoWidth) {
        status.textContent = "The camera is not ready yet.";
        return;
      }
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      take.disabled = true;
      status.textContent = "Checking and saving the photo…";
      canvas.toBlob(
        function (blob) {
          var transfer = new DataTransfer();
          transfer.items.add(new File([blob], "capture-" + view.value + ".jpg", { type: "image/jpeg" }));
          file.files = transfer.files;
          form.requestSubmit();
        },
        "image/jpeg",
        0.92
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("capture");
    if (box && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) start(box);
  });
})();
