package casework

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// Agency-supplied templates are bounded: a file over MaxTemplateBytes and a
// folder of more than MaxTemplates files are refused with their reason.
func TestTemplateLimits(t *testing.T) {
	big := fstest.MapFS{"t/big.json": {Data: []byte(`{"id":"` + strings.Repeat("x", MaxTemplateBytes) + `"}`)}}
	if _, err := LoadTemplates(big, "t"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("a template of %d bytes: %v", MaxTemplateBytes+8, err)
	}
	many := fstest.MapFS{}
	for i := 0; i <= MaxTemplates; i++ {
		many[fmt.Sprintf("t/%04d.json", i)] = &fstest.MapFile{Data: []byte("{}")}
	}
	if _, err := LoadTemplates(many, "t"); err == nil || !strings.Contains(err.Error(), "more than 256") {
		t.Fatalf("%d templates: %v", MaxTemplates+1, err)
	}
}
