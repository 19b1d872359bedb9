package casework

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func shippedTemplates(t *testing.T) Templates {
	t.Helper()
	ts, err := LoadTemplates(os.DirFS("../assets"), "templates")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// sampleValue is a well-formed value for a field type.
func sampleValue(f TemplateField) string {
	switch f.Type {
	case FieldDateTime:
		return `"2026-11-20 10:15"`
	case FieldParty:
		return `{"name":"某某食品店","id_no":"91350100MA00000000","address":"某路1号","legal_rep":"李四","phone":"13800000000"}`
	case FieldOfficers:
		return `[{"name":"张三","id":"o-001","credential":"35010000001"},{"name":"王五","id":"o-002","credential":"35010000002"}]`
	case FieldMoney:
		return `"12000.50"`
	case FieldItems:
		return `[{"name":"散装白酒","spec":"50L/桶","quantity":"3桶","condition":"完好","location":"仓库"}]`
	case FieldChoice:
		b, _ := json.Marshal(f.Options[0])
		return string(b)
	case FieldConfirm:
		return `true`
	case FieldQA:
		return `[{"q":"你与本店是什么关系？","a":"我是店主。"}]`
	case FieldSignature:
		return `{"signer":"李四","strokes":[[0,0,10,12,20,5]]}`
	case FieldDecision:
		return `{"act":"penalty","party_kind":"organisation","penalties":[{"kind":"fine","amount_yuan":12000.5}]}`
	}
	return `"内容"`
}

func fill(t *Template) map[string]json.RawMessage {
	v := map[string]json.RawMessage{}
	for _, f := range t.Fields() {
		v[f.Key] = json.RawMessage(sampleValue(f))
	}
	return v
}

// R2: the ten document types of DOMAIN.md are shipped, load, and accept a
// complete filling.
func TestR2ShippedTemplatesLoadAndFill(t *testing.T) {
	ts := shippedTemplates(t)
	for _, id := range []string{"onsite_record", "inquiry_record", "coercive_decision", "preservation_notice", "correction_order",
		"penalty_notice", "penalty_decision", "onthespot_penalty", "service_receipt", "hearing_notice", "hearing_record"} {
		tpl := ts[id]
		if tpl == nil {
			t.Errorf("template %s missing", id)
			continue
		}
		if errs := tpl.Check(fill(tpl), false); len(errs) != 0 {
			t.Errorf("%s: a complete filling refused: %v", id, errs)
		}
	}
}

func TestFilledDocumentRefusals(t *testing.T) {
	tpl := shippedTemplates(t)["onsite_record"]
	cases := map[string]func(v map[string]json.RawMessage){
		"missing required": func(v map[string]json.RawMessage) { delete(v, "findings") },
		"one officer on site": func(v map[string]json.RawMessage) {
			v["officers"] = json.RawMessage(`[{"name":"张三","credential":"1"}]`)
		},
		"officer no credential": func(v map[string]json.RawMessage) {
			v["officers"] = json.RawMessage(`[{"name":"张三"},{"name":"王五"}]`)
		},
		"credential not shown": func(v map[string]json.RawMessage) { v["credential_shown"] = json.RawMessage(`false`) },
		"bad date":             func(v map[string]json.RawMessage) { v["start_time"] = json.RawMessage(`"yesterday"`) },
		"unknown field":        func(v map[string]json.RawMessage) { v["mood"] = json.RawMessage(`"good"`) },
		"refusal without witness": func(v map[string]json.RawMessage) {
			v["party_signature"] = json.RawMessage(`{"refused":"当事人拒绝签名"}`)
		},
		"party without name": func(v map[string]json.RawMessage) { v["party"] = json.RawMessage(`{"address":"x"}`) },
	}
	for name, mutate := range cases {
		v := fill(tpl)
		mutate(v)
		if errs := tpl.Check(v, false); len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	// A draft may be incomplete, never malformed.
	draft := map[string]json.RawMessage{"findings": json.RawMessage(`"未完"`)}
	if errs := tpl.Check(draft, true); len(errs) != 0 {
		t.Fatalf("an incomplete draft refused: %v", errs)
	}
	draft["start_time"] = json.RawMessage(`"yesterday"`)
	if errs := tpl.Check(draft, true); len(errs) != 1 {
		t.Fatalf("a malformed draft accepted: %v", errs)
	}
	// Money: up to two decimals.
	pen := shippedTemplates(t)["penalty_decision"]
	v := fill(pen)
	v["fine"] = json.RawMessage(`"12.345"`)
	if errs := pen.Check(v, false); len(errs) != 1 || errs[0].Key != "fine" {
		t.Fatalf("fine with three decimals: %v", errs)
	}
}

// A broken template file is a clear error naming the file and the field.
func TestBrokenTemplatesNamed(t *testing.T) {
	cases := map[string]string{
		`{"version":1,"id":"x","name":"X","sections":[{"title":"s","fields":[{"key":"a","label":"A","type":"colour"}]}]}`:                                     `"a": unknown type`,
		`{"version":1,"id":"x","name":"X","sections":[{"title":"s","fields":[{"key":"a","label":"A","type":"text"},{"key":"a","label":"B","type":"text"}]}]}`: `"a": defined twice`,
		`{"version":1,"id":"x","name":"X","sections":[{"title":"s","fields":[{"key":"c","label":"C","type":"choice"}]}]}`:                                     `"c": a choice needs options`,
		`{"version":1,"id":"x","name":"X","sections":[{"title":"s","fields":[{"key":"Bad Key","label":"A","type":"text"}]}]}`:                                 `"Bad Key": key must be`,
		`{"version":1,"id":"x","name":"X","sections":[],"extra":1}`:                                                                                           "unknown field",
		`{"version":0,"id":"x","name":"X","sections":[]}`:                                                                                                     "version",
	}
	for raw, want := range cases {
		_, err := ParseTemplate("agency_form.json", []byte(raw))
		if err == nil || !strings.Contains(err.Error(), "agency_form.json") || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want file name and %q", err, want)
		}
	}
}
