// Swagger UI for /api/docs, started from a file so the page needs no inline script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    window.SwaggerUIBundle({
      url: root.getAttribute("data-openapi-url"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: false,
      validatorUrl: null, // no badge fetched from another site (offline, and the CSP forbids it)
    });
  });
})();
