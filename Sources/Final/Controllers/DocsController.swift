// The API's documentation: the OpenAPI document at `GET /api/v1/openapi.json`, and an
// interactive page at `GET /api-docs` (Swagger UI) where a learner logs in and tries every
// route from the browser. Swagger UI's files are not committed: `make api-docs` (a step of
// `make run`) takes them from a PyPI wheel into `public/api-docs/`, which the static files
// middleware serves, so the page works offline and from no CDN.

import App
import Hummingbird

struct DocsController: Sendable {
    /// The folder the static files middleware serves (`PUBLIC_DIR`), where `api-docs/` lives.
    let publicFolder: String

    func addRoutes(to router: AppRouter) {
        router.get("api/v1/openapi.json") { _, _ in APIJSONEncoder.response(status: .ok, json: OpenAPI.json) }
        router.get("api-docs") { _, _ in page }
    }

    var page: Response {
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>VideoTube API</title>
              <link rel="stylesheet" href="/api-docs/swagger-ui.css">
            </head>
            <body>
              <div id="swagger-ui"><p style="font-family: sans-serif; margin: 2em">
                Swagger UI's files are not in <code>\(publicFolder)/api-docs/</code>: run <code>make api-docs</code>
                (<code>make run</code> does), then reload. The document itself is at
                <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></div>
              <script src="/api-docs/swagger-ui-bundle.js"></script>
              <script>
                if (window.SwaggerUIBundle) {
                  window.ui = SwaggerUIBundle({
                    url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                    persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: true,
                  });
                }
              </script>
            </body>
            </html>
            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: .init(string: html)))
    }
}
