package format

import (
	"encoding/json"
	"io"
)

// jsonFormat is the document itself, as indented JSON.
type jsonFormat struct{}

func (jsonFormat) Name() string { return "json" }
func (jsonFormat) Help() string { return "the document as JSON" }
func (jsonFormat) Docs() Doc    { return Report | Diff | Document }

func (jsonFormat) Print(doc any, w Writer) error { return writeJSON(doc, w.Out) }

// writeJSON writes v as indented JSON; encoding/json escapes every string
// for JSON, so node text stays data.
func writeJSON(v any, out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
