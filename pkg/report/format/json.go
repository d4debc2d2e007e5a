package format

import (
	"encoding/json"
	"io"
)

// jsonFormat is the document itself, as indented JSON.
type jsonFormat struct{ about }

func newJSON() Format {
	return jsonFormat{about{"json", "the document as JSON", Report | Diff | Document}}
}

func (jsonFormat) Print(doc any, w Writer) error { return writeJSON(doc, w.Out) }

// writeJSON writes v as indented JSON; encoding/json escapes every string
// for JSON, so node text stays data.
func writeJSON(v any, out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
