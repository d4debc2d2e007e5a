// Package formattest checks the output of -o in tests: that what a machine
// format printed is one document of that format and nothing else. Only
// tests import it.
package formattest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"sigs.k8s.io/yaml"
)

// ParsesAs checks that out is one document of the format and nothing else.
func ParsesAs(t *testing.T, format string, out []byte) {
	t.Helper()
	switch format {
	case "json", "sarif", "asff":
		dec := json.NewDecoder(bytes.NewReader(out))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v\n%s", format, err, out)
		}
		if dec.More() {
			t.Fatalf("%s: more than one document", format)
		}
		if _, ok := v.([]any); format == "asff" && !ok {
			t.Fatalf("asff: not an array: %s", out)
		}
	case "yaml":
		var v map[string]any
		if err := yaml.UnmarshalStrict(out, &v); err != nil || v["apiVersion"] == nil {
			t.Fatalf("yaml: %v %v\n%s", err, v, out)
		}
	case "junit":
		var v struct {
			XMLName xml.Name `xml:"testsuites"`
		}
		if err := xml.Unmarshal(out, &v); err != nil {
			t.Fatalf("junit: %v\n%s", err, out)
		}
	case "ckl":
		var v struct {
			XMLName xml.Name   `xml:"CHECKLIST"`
			STIGs   []struct{} `xml:"STIGS>iSTIG"`
		}
		if err := xml.Unmarshal(out, &v); err != nil || len(v.STIGs) != 1 {
			t.Fatalf("ckl: %v, %d STIGs\n%s", err, len(v.STIGs), out)
		}
	case "html":
		s := string(out)
		if !strings.HasPrefix(s, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(s), "</html>") {
			t.Fatalf("html: not one page: %.80q ... %.80q", s, s[max(0, len(s)-80):])
		}
		if _, err := html.Parse(bytes.NewReader(out)); err != nil {
			t.Fatalf("html: %v", err)
		}
	default:
		t.Fatalf("no parser for %s", format)
	}
}
