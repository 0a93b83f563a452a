// The API documentation page: Swagger UI, served by this service, reading /openapi.json.
window.SwaggerUIBundle({ url: 'openapi.json', dom_id: '#docs', deepLinking: true });
