-- GET /v1/blobs/<digest> asks which terminals hold a receipt for a digest.
CREATE INDEX receipts_digest ON receipts (digest);
