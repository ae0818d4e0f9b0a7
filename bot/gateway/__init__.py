"""The gateway: one web server for the web chat, the chat API and health checks."""
