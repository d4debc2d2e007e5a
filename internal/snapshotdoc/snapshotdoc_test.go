package snapshotdoc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

var testFormat = Format{Noun: "test snapshot", Article: "a", Kind: "TestSnapshot", APIVersion: "v1", Keys: []string{"apiVersion", "kind", "collected", "items"}}

type doc struct {
	Kind  string   `json:"kind"`
	Items []string `json:"items"`
}

func (d *doc) Validate() error {
	var p Problems
	for i, it := range d.Items {
		if it == "" {
			p.Add("items[%d] is empty", i)
		}
	}
	return testFormat.Check(d.Kind, "v1", p)
}

func TestDecode(t *testing.T) {
	const good = `{"apiVersion":"v1","kind":"TestSnapshot","collected":"2026-01-02T03:04:05Z","items":["a"]}`
	cases := []struct{ name, doc, want string }{
		{"a snapshot", good, ""},
		{"empty list as null", strings.Replace(good, `["a"]`, `null`, 1), ""},
		{"not JSON", `{`, "not a test snapshot"},
		{"null", `null`, "the document is null"},
		{"other kind", strings.Replace(good, "TestSnapshot", "Other", 1), `kind "Other" is not TestSnapshot`},
		{"other version", strings.Replace(good, `"v1"`, `"v2"`, 1), `apiVersion "v2" is not supported`},
		{"wrong type", strings.Replace(good, `["a"]`, `{}`, 1), "not a test snapshot"},
		{"list missing", strings.Replace(good, `,"items":["a"]`, ``, 1), "missing items"},
		{"collected null", strings.Replace(good, `"2026-01-02T03:04:05Z"`, `null`, 1), "collected"},
		{"collected zero", strings.Replace(good, `2026-01-02T03:04:05Z`, `0001-01-01T00:00:00Z`, 1), "collected"},
		{"invalid", strings.Replace(good, `["a"]`, `["a",""]`, 1), "invalid test snapshot: items[1] is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d doc
			err := testFormat.Decode([]byte(c.doc), &d)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Decode: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("Decode = %v; want an error containing %q", err, c.want)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	var p Problems
	if err := testFormat.Check("TestSnapshot", "v1", p); err != nil {
		t.Fatalf("no problems: %v", err)
	}
	for i := range maxProblems + 2 {
		p.Add("item %d", i)
	}
	if err := testFormat.Check("Other", "v1", p); err == nil || !strings.Contains(err.Error(), `kind "Other"`) {
		t.Fatalf("another kind with problems: %v", err)
	}
	err := testFormat.Check("TestSnapshot", "v1", p)
	if err == nil || !strings.HasPrefix(err.Error(), "invalid test snapshot: item 0; ") || !strings.HasSuffix(err.Error(), fmt.Sprintf("item %d; and 2 more", maxProblems-1)) {
		t.Fatalf("Err = %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"TestSnapshot","collected":"2026-01-02T03:04:05Z","items":null}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d doc
		if err := testFormat.Decode(b, &d); err == nil && d.Kind != testFormat.Kind {
			t.Fatalf("decoded kind %q", d.Kind)
		}
	})
}

// TestHeaderEmbedded: a document that embeds the Header its format makes
// marshals the header keys at the top level and decodes; a zero Collected
// is refused.
func TestHeaderEmbedded(t *testing.T) {
	type embedding struct {
		Header
		Items []string `json:"items"`
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := json.Marshal(embedding{Header: testFormat.Header(at), Items: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"apiVersion":"v1","kind":"TestSnapshot","collected":"2026-01-02T03:04:05Z","items":["a"]}`; string(b) != want {
		t.Fatalf("marshalled %s, want %s", b, want)
	}
	var d doc
	if err := testFormat.Decode(b, &d); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	b, _ = json.Marshal(embedding{Header: testFormat.Header(time.Time{})})
	if err := testFormat.Decode(b, &d); err == nil || !strings.Contains(err.Error(), "collected") {
		t.Fatalf("zero Collected decoded: %v", err)
	}
}
