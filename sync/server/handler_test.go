package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"lawtrail/sync/protocol"
)

func TestEveryErrorCodeHasAStatus(t *testing.T) {
	codes := map[string]int{
		protocol.CodeMalformed: 400, protocol.CodeTooLarge: 413, protocol.CodeNotEnrolled: 401, protocol.CodeBadCode: 401,
		protocol.CodeRevoked: 403, protocol.CodeWrongTerminal: 403, protocol.CodeNotFound: 404, protocol.CodeFork: 409,
		protocol.CodeGap: 409, protocol.CodeBrokenChain: 409, protocol.CodeBadSignature: 422,
		protocol.CodeUnnamedBlob: 422, protocol.CodeDigestMismatch: 422, protocol.CodeInternal: 500,
	}
	for code, want := range codes {
		if got := statusOf(code); got != want {
			t.Errorf("%s: %d, want %d", code, got, want)
		}
	}
}

func TestPlainHTTPIsRefused(t *testing.T) {
	h := &Handler{mux: http.NewServeMux()}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", protocol.PathState, nil))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("a request without TLS got %d", w.Code)
	}
}
