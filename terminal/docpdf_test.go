package terminal_test

import (
	"bytes"
	"context"
	"testing"

	"lawtrail/casework"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// A finalized version renders as a PDF; a version that does not exist, or
// a document never finalized, is bad input.
func TestDocumentPDF(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-002", "李四", "35010000002", liPIN, casework.RoleOfficer)
	c, err := f.Admin.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔2026〕3号", Title: "无照经营"})
	if err != nil {
		t.Fatal(err)
	}
	draft, err := f.Admin.SaveDraft(ctx, terminal.DocumentDraft{Case: c.Case, Template: "onsite_record", Fields: onsite(both)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Terminal.DocumentPDF(ctx, draft.Doc, 0); terminal.Code(err) != terminal.CodeBadInput {
		t.Errorf("PDF of a draft only: %v", err)
	}
	fin, err := f.Admin.FinalizeDocument(ctx, terminal.DocumentDraft{Doc: draft.Doc, Case: c.Case, Template: "onsite_record",
		Fields: onsite(both)}, []terminal.Witness{{Officer: "o-002", PIN: []byte(liPIN)}})
	if err != nil {
		t.Fatal(err)
	}
	pdf, v, err := f.Terminal.DocumentPDF(ctx, fin.Content.Doc, 0)
	if err != nil || v != 1 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("PDF: version %d, %d bytes, %v", v, len(pdf), err)
	}
	if _, _, err := f.Terminal.DocumentPDF(ctx, fin.Content.Doc, 2); terminal.Code(err) != terminal.CodeBadInput {
		t.Errorf("version 2 of a document with one: %v", err)
	}
}
