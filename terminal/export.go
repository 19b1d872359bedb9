package terminal

import (
	"context"
	"fmt"

	"lawtrail/assets"
	"lawtrail/casefile"
)

// CaseFileEnv is what a case file is derived with on this terminal: the
// bundled AV matters list and templates (a case file's own chains carry the
// agency's published versions, which the derivation lays over these) and
// the bundled font. A verifier derives the same files with the same values.
func (t *Terminal) CaseFileEnv() casefile.Env {
	return casefile.Env{Matters: t.cfg.AVMatters, Templates: t.cfg.Templates, Major: t.cfg.MajorList, Font: assets.FontRegularTTF}
}

// CaseExport is what exporting a case file needs.
type CaseExport struct {
	Case        string
	Out         string // a new folder, or a new .zip file
	WithFootage bool   // include the linked footage files
}

// ExportCase writes the case file of a case (卷宗) from the verified
// events, fixed by a signed case.exported naming the session officer as
// the one who exported it (every export is itself a record).
func (s *Session) ExportCase(ctx context.Context, x CaseExport) (casefile.Exported, error) {
	if x.Case == "" || x.Out == "" {
		return casefile.Exported{}, badInput("export needs a case and where to write its file")
	}
	res, err := casefile.Export(ctx, s.st, casefile.ExportOptions{Case: x.Case, Out: x.Out, WithFootage: x.WithFootage,
		Actor: s.Officer.ID, Terminal: s.Desk.key, Env: s.CaseFileEnv()})
	if err != nil {
		return res, fmt.Errorf("export case %s: %w", x.Case, err)
	}
	return res, nil
}

// BundledCaseFileEnv is CaseFileEnv for a verifier with no data folder: the
// configuration built into lawtrail.
func BundledCaseFileEnv() (casefile.Env, error) {
	cfg, err := BundledConfig()
	if err != nil {
		return casefile.Env{}, err
	}
	return casefile.Env{Matters: cfg.AVMatters, Templates: cfg.Templates, Major: cfg.MajorList, Font: assets.FontRegularTTF}, nil
}
