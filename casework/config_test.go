package casework

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const avList = `{"version":1,"mandatory":["seizure"],"suggested":["interview"]}`

func templateJSON(id string, version int, name string) string {
	return `{"version":` + itoa(version) + `,"id":"` + id + `","name":"` + name + `","name_en":"X","on_site":false,` +
		`"sections":[{"title":"一","fields":[{"key":"place","label":"地点","type":"text","required":true}]}]}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// A config.published payload decodes only in its one spelling, with its
// content checked by the kind's parser.
func TestConfigPublishedPayload(t *testing.T) {
	p := ConfigPublished{Kind: ConfigAVMatters, Version: 3, Content: []byte(avList), Note: "新清单"}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(TypeConfigPublished, raw)
	if err != nil {
		t.Fatal(err)
	}
	if g := got.(*ConfigPublished); g.Version != 3 || string(g.Content) != avList {
		t.Fatalf("decoded %+v", g)
	}
	for name, bad := range map[string]ConfigPublished{
		"unknown kind":     {Kind: "colours", Version: 1, Content: []byte(avList)},
		"version 0":        {Kind: ConfigAVMatters, Version: 0, Content: []byte(avList)},
		"empty":            {Kind: ConfigAVMatters, Version: 1},
		"too large":        {Kind: ConfigRecorderProfiles, Version: 1, Content: []byte(`"` + strings.Repeat("x", MaxConfigContent) + `"`)},
		"bad list":         {Kind: ConfigAVMatters, Version: 1, Content: []byte(`{"version":1,"mandatory":["x"],"suggested":[]}`)},
		"not JSON":         {Kind: ConfigRecorderProfiles, Version: 1, Content: []byte(`{`)},
		"templates object": {Kind: ConfigTemplates, Version: 1, Content: []byte(templateJSON("a", 1, "A"))},
		"template twice":   {Kind: ConfigTemplates, Version: 1, Content: []byte("[" + templateJSON("a", 1, "A") + "," + templateJSON("a", 2, "B") + "]")},
		"trailing data":    {Kind: ConfigHolidays, Version: 1, Content: []byte(`{"version":1,"days":[{"date":"2028-01-01","name":"元旦","off":true}]} {}`)},
	} {
		raw, _ := json.Marshal(bad)
		if _, err := Decode(TypeConfigPublished, raw); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// The configuration in force: bundled templates overlaid by id, the other
// kinds whole, the base untouched.
func TestOverlay(t *testing.T) {
	base := &Config{Templates: Templates{}, AVMatters: AVMatters{Version: 1}}
	for _, id := range []string{"a", "b"} {
		tp, err := ParseTemplate(id, []byte(templateJSON(id, 1, "bundled "+id)))
		if err != nil {
			t.Fatal(err)
		}
		base.Templates[id] = tp
	}
	cfg, err := Overlay(base, []Published{
		{Kind: ConfigTemplates, Version: 2, Content: []byte("[" + templateJSON("b", 2, "published b") + "," + templateJSON("c", 1, "new c") + "]")},
		{Kind: ConfigAVMatters, Version: 1, Content: []byte(avList)},
		{Kind: ConfigHolidays, Version: 4, Content: []byte(`{"version":1,"days":[{"date":"2028-01-03","name":"测试","off":true}]}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Templates["a"].Name != "bundled a" || cfg.Templates["b"].Name != "published b" || cfg.Templates["c"] == nil {
		t.Fatalf("templates in force: a=%v b=%v c=%v", cfg.Templates["a"].Name, cfg.Templates["b"].Name, cfg.Templates["c"])
	}
	if base.Templates["b"].Name != "bundled b" || len(base.Templates) != 2 {
		t.Fatal("the overlay changed the bundled configuration")
	}
	if cfg.AVMatters.For(StepInterview) != AVSuggested || cfg.Versions[ConfigHolidays] != 4 || cfg.Versions[ConfigRecorderProfiles] != 0 {
		t.Fatalf("in force: %+v versions %v", cfg.AVMatters, cfg.Versions)
	}
	monday := time.Date(2028, 1, 3, 10, 0, 0, 0, Shanghai)
	if cfg.Calendar.IsWorkday(monday) || !base.Calendar.IsWorkday(monday) {
		t.Fatal("the holiday patch is not in force, or reached the base")
	}
}

// Every parser of published content refuses garbage without panicking.
func FuzzParseConfigContent(f *testing.F) {
	f.Add(0, []byte(avList))
	f.Add(1, []byte("["+templateJSON("a", 1, "A")+"]"))
	f.Add(2, []byte(`{"version":1,"days":[{"date":"2028-01-01","name":"元旦","off":true}]}`))
	f.Add(3, []byte(`{"version":1,"profiles":[]}`))
	f.Fuzz(func(t *testing.T, kind int, raw []byte) {
		k := ConfigKinds[(kind%len(ConfigKinds)+len(ConfigKinds))%len(ConfigKinds)]
		v, err := ParseConfigContent(k, raw)
		if err == nil && v == nil {
			t.Fatal("accepted content without a value")
		}
	})
}
