// Package format prints kubectl-harden's documents in the formats of -o:
// reports, report diffs, and the other documents the commands print
// (controls, who-can, subject). Each format is one file that implements
// Format; the registry here is what -o validation, help and completion
// enumerate, so a new format is one new file and one line below. A format
// with options of its own (-o asff) declares its flags itself; commands
// never list them.
//
// Everything printed may hold text from a node or the API (evidence,
// reasons, object names): human formats pass it through Sanitize, machine
// formats through their encoder's escaping.
package format

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// Doc is a kind of document a format prints.
type Doc uint8

// The documents of the commands.
const (
	// Report is a *report.Report (scan, rbac, workloads, all).
	Report Doc = 1 << iota
	// Diff is a *report.Diff (diff).
	Diff
	// Document is any other document with apiVersion and kind (controls,
	// rbac who-can, rbac subject): machine formats print it as it is, the
	// table formats lay it out with its Sections (Tabled).
	Document
)

// Format is one value of -o.
type Format interface {
	// Name is the value of -o ("json", "jsonpath"); "" is the table.
	Name() string
	// Help says in a few words what the format is, for help and completion.
	Help() string
	// Docs says which documents the format prints.
	Docs() Doc
	// Print writes one document to w.Out and nothing else there; hints
	// for a person go to w.ErrOut.
	Print(doc any, w Writer) error
}

// Writer is where and how a document is printed.
type Writer struct {
	Out io.Writer
	// ErrOut receives hints for a person ("No results.", hidden N/A rows,
	// files written); nil drops them.
	ErrOut io.Writer
	// NoHeaders leaves out a table's header row and summary.
	NoHeaders bool
	// HideNA leaves N/A rows out of tables (they are still counted).
	HideNA bool
}

func (w Writer) errOut() io.Writer {
	if w.ErrOut == nil {
		return io.Discard
	}
	return w.ErrOut
}

// Templated is a format written NAME=TEMPLATE (or NAME-file=PATH).
type Templated interface {
	Format
	// SetTemplate parses the template text.
	SetTemplate(text string) error
}

// Optioned is a format with options of its own. Its flags are registered
// on every command that offers the format, hidden from the command's flag
// list and listed under the format instead (Set.OptionsHelp).
type Optioned interface {
	Format
	// AddFlags registers the format's flags (and hides old spellings).
	AddFlags(fs *pflag.FlagSet)
	// Complete fills defaults (from the environment) and validates the
	// options; it is called only when the format is chosen.
	Complete() error
}

// registry lists every format, in the order help shows them. Each call
// makes a fresh format: a command's options and template are its own.
var registry = []func() Format{
	func() Format { return &tableFormat{} },
	func() Format { return &tableFormat{wide: true} },
	newJSON,
	newYAML,
	newJUnit,
	newSARIF,
	newASFF,
	newHTML,
	newCKL,
	newMarkdown,
	func() Format { return &templateFormat{name: "jsonpath"} },
	func() Format { return &templateFormat{name: "go-template"} },
}

// Names lists the formats (other than the table, which every command
// prints) that print documents of kind d, as -o spells them.
func Names(d Doc) []string {
	var out []string
	for _, mk := range registry {
		f := mk()
		if f.Name() != "" && f.Docs()&d != 0 {
			out = append(out, f.Name())
		}
	}
	return out
}

// Set is the formats one command offers, with their options' state.
type Set struct {
	formats []Format
}

// NewSet offers the named formats (see Names) and the table. A format
// written NAME=TEMPLATE is offered with its NAME-file variant.
// Help and errors list them in the order given.
func NewSet(names []string) *Set {
	s := &Set{}
	for _, name := range append([]string{""}, names...) {
		for _, mk := range registry {
			if f := mk(); f.Name() == name && !slices.ContainsFunc(s.formats, func(g Format) bool { return g.Name() == name }) {
				s.formats = append(s.formats, f)
			}
		}
	}
	return s
}

// spelling is one value of -o as help and completion write it: the name
// and what the user types after it (a template or its file), with help.
type spelling struct{ value, help string }

// spellings are the values of -o the set accepts (the table, an empty
// value, is not listed).
func (s *Set) spellings() []spelling {
	var out []spelling
	for _, f := range s.formats {
		switch {
		case f.Name() == "":
		case isTemplated(f):
			out = append(out, spelling{f.Name() + "=", f.Help()}, spelling{f.Name() + "-file=", f.Help() + " read from a file"})
		default:
			out = append(out, spelling{f.Name(), f.Help()})
		}
	}
	return out
}

func isTemplated(f Format) bool {
	_, ok := f.(Templated)
	return ok
}

// values are the values of -o as help writes them ("jsonpath=...").
func (s *Set) values() string {
	var values []string
	for _, sp := range s.spellings() {
		if strings.HasSuffix(sp.value, "=") {
			sp.value += "..."
		}
		values = append(values, sp.value)
	}
	return strings.Join(values, ", ")
}

// Usage is the help of -o.
func (s *Set) Usage() string {
	return fmt.Sprintf("Output format: one of (%s); a table when empty.", s.values())
}

// Completions are the values of -o with their help, for shell completion.
func (s *Set) Completions() []string {
	var out []string
	for _, sp := range s.spellings() {
		out = append(out, sp.value+"\t"+sp.help)
	}
	return out
}

// AddFlags registers the options of the set's formats on fs, hidden from
// the command's flag list (OptionsHelp lists them under their format).
func (s *Set) AddFlags(fs *pflag.FlagSet) {
	for _, f := range s.formats {
		o, ok := f.(Optioned)
		if !ok {
			continue
		}
		before := map[string]bool{}
		fs.VisitAll(func(fl *pflag.Flag) { before[fl.Name] = true })
		o.AddFlags(fs)
		fs.VisitAll(func(fl *pflag.Flag) {
			if !before[fl.Name] {
				fl.Hidden = true
			}
		})
	}
}

// OptionsHelp lists the options of each format that has some, for a
// command's long help; "" when none has.
func (s *Set) OptionsHelp() string {
	var b strings.Builder
	for _, f := range s.formats {
		o, ok := f.(Optioned)
		if !ok {
			continue
		}
		fs := pflag.NewFlagSet(f.Name(), pflag.ContinueOnError)
		o.AddFlags(fs)
		fmt.Fprintf(&b, "\nOptions of -o %s, %s:\n%s", f.Name(), f.Help(), fs.FlagUsages())
	}
	return b.String()
}

// Lookup validates a value of -o and returns its format, with its template
// parsed (NAME=TEXT, or NAME-file=PATH read from PATH) and its options
// completed. The table is "".
func (s *Set) Lookup(output string) (Format, error) {
	name, arg, hasArg := strings.Cut(output, "=")
	name = strings.ToLower(strings.TrimSpace(name))
	bad := func() error {
		return fmt.Errorf("--output %q is not supported: use one of %s, or leave -o out for the default output", output, s.values())
	}
	if name == "" && hasArg {
		return nil, bad()
	}
	base, fromFile := strings.CutSuffix(name, "-file")
	for _, f := range s.formats {
		if f.Name() != base {
			continue
		}
		t, templated := f.(Templated)
		if !templated {
			if hasArg || fromFile {
				return nil, bad()
			}
			if o, ok := f.(Optioned); ok {
				if err := o.Complete(); err != nil {
					return nil, err
				}
			}
			return f, nil
		}
		if arg == "" {
			return nil, fmt.Errorf("--output %s needs a template: -o %s=TEMPLATE", name, name)
		}
		if fromFile {
			b, err := os.ReadFile(arg)
			if err != nil {
				return nil, fmt.Errorf("--output %s: %w", name, err)
			}
			arg = string(b)
		}
		if err := t.SetTemplate(arg); err != nil {
			return nil, fmt.Errorf("--output %s: %w", base, err)
		}
		return f, nil
	}
	return nil, bad()
}

// IsTable reports whether f is the table or the wide table.
func IsTable(f Format) bool {
	_, ok := f.(*tableFormat)
	return f == nil || ok
}

// about is what help, completion and -o validation know of a format
// (Name, Help, Docs of Format).
type about struct {
	name, help string
	docs       Doc
}

func (a about) Name() string { return a.name }
func (a about) Help() string { return a.help }
func (a about) Docs() Doc    { return a.docs }

// unsupported is the error of a format given a document it does not print
// (a command offers only the formats of its documents).
func unsupported(f Format, doc any) error {
	return fmt.Errorf("-o %s cannot print a %T", f.Name(), doc)
}
