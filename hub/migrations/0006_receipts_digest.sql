-- GET /v1/blobs/<digest> asks which terminals named a digest.
CREATE INDEX named_blobs_digest ON named_blobs (digest);
