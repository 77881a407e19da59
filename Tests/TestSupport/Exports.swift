// TestSupport is the HTTP half of the tests' helpers (in-process requests, multipart forms, a
// socket client, a fake Cloudinary). The engine half, EngineTestSupport (backends, the
// conformance table, child processes), is re-exported, so a chapter's test needs one import.

@_exported import EngineTestSupport
