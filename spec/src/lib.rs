//! `spec`: read `openapi.yaml` into a raw ordered JSON tree plus typed views.
