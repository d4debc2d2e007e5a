package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/internal/ownerfile"
	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
)

// MaxCollectorOutput bounds the collector's output of one node on the live
// path (debugpod's DefaultMaxTotalBytes; the log is read up to it).
const MaxCollectorOutput = 4 << 20

// MaxFileBytes bounds one evidence file read by Load (--from-evidence),
// as MaxCollectorOutput bounds a node on the live path: the JSON of a
// node collected within that bound takes at most about 4.2 times as much
// (configuration bytes that JSON escapes as \u00XX), so 8 times leaves
// room and still refuses what no scan wrote.
const MaxFileBytes = 8 * MaxCollectorOutput

// ReadFileBounded reads a regular file of at most limit bytes. Anything
// else is refused before it is opened and again once it is open (a FIFO
// would block the read, a device such as /dev/zero never ends), and a
// larger file is refused without reading more than limit+1 bytes.
func ReadFileBounded(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fileKind(st.Mode()))
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fileKind(st.Mode()))
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s has %d bytes, more than the bound of %d", path, st.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s has more than the bound of %d bytes", path, limit)
	}
	return b, nil
}

// fileKind names a file type for errors.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "type " + m.Type().String()
}

// FileName is the name of a node's evidence file in a directory:
// "<node>.json".
func FileName(node string) string { return node + ".json" }

// Marshal renders the node as indented JSON with the schema set.
func (n *Node) Marshal() ([]byte, error) {
	if n == nil {
		return nil, errors.New("marshal evidence: nil node")
	}
	if n.Schema == "" {
		n.Schema = SchemaVersion
	}
	b, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal evidence of node/%s: %w", n.NodeName, err)
	}
	return append(b, '\n'), nil
}

// Save writes the node's evidence to dir/<node>.json (creating dir) and
// returns the file's path. The file is its owner's only (mode 0600, also
// when it replaces an earlier one): evidence names paths and flags of the
// cluster, which is worth keeping private.
func (n *Node) Save(dir string) (string, error) {
	if n == nil {
		return "", errors.New("save evidence: nil node")
	}
	if err := checkNodeName(n.NodeName); err != nil {
		return "", fmt.Errorf("save evidence: %w", err)
	}
	b, err := n.Marshal()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("save evidence of node/%s: %w", n.NodeName, err)
	}
	path := filepath.Join(dir, FileName(n.NodeName))
	if err := ownerfile.Write(path, b); err != nil {
		return "", fmt.Errorf("save evidence of node/%s: %w", n.NodeName, err)
	}
	return path, nil
}

// checkNodeName refuses names that would escape the directory.
func checkNodeName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("node name %q cannot name a file", name)
	}
	return nil
}

// Unmarshal decodes one evidence document and checks its schema. source
// names the document in errors (a file path).
func Unmarshal(data []byte, source string) (*Node, error) {
	var probe struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: not evidence JSON: %w", source, safetext.Error(err, 256))
	}
	if probe.Schema == nil {
		return nil, fmt.Errorf("%s: no \"schema\" field; not a kubectl-harden evidence file", source)
	}
	if *probe.Schema != SchemaVersion {
		return nil, fmt.Errorf("%s: evidence schema %q is not supported (want %q)", source, safetext.Clip(*probe.Schema, 80), SchemaVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	n := &Node{}
	if err := dec.Decode(n); err != nil {
		return nil, fmt.Errorf("%s: %w", source, safetext.Error(err, 256))
	}
	if n.NodeName == "" {
		return nil, fmt.Errorf("%s: evidence has no nodeName", source)
	}
	for c, p := range n.Processes {
		if _, ok := componentNames[string(c)]; !ok {
			return nil, fmt.Errorf("%s: unknown component %q", source, safetext.Clip(string(c), 80))
		}
		if p == nil {
			return nil, fmt.Errorf("%s: process %s is null", source, c)
		}
	}
	for c, p := range n.Logged {
		if _, ok := componentNames[string(c)]; !ok || p == nil {
			return nil, fmt.Errorf("%s: logged component %q unknown or null", source, safetext.Clip(string(c), 80))
		}
	}
	for name, p := range n.Supervisors {
		if !slices.Contains(SupervisorNames, name) || p == nil {
			return nil, fmt.Errorf("%s: supervisor %q unknown or null", source, safetext.Clip(name, 80))
		}
	}
	for k, f := range n.Files {
		if f == nil {
			return nil, fmt.Errorf("%s: file %s is null", source, safetext.Clip(k, 256))
		}
	}
	for k, c := range n.Certificates {
		if c == nil {
			return nil, fmt.Errorf("%s: certificate %s is null", source, safetext.Clip(k, 256))
		}
	}
	return n, nil
}

// Load reads evidence from a file, or from every *.json file of a
// directory (in name order; other files and subdirectories are ignored).
// Each file must be a regular file (or a link to one) of at most
// MaxFileBytes. A directory without evidence is an error, and so is one
// node found twice.
func Load(path string) ([]*Node, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load evidence: %w", err)
	}
	files := []string{path}
	if st.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("load evidence: %w", err)
		}
		files = files[:0]
		for _, e := range ents {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("load evidence: no *.json file in directory %s", path)
		}
	}
	var out []*Node
	seen := map[string]string{}
	for _, f := range files {
		b, err := ReadFileBounded(f, MaxFileBytes)
		if err != nil {
			return nil, fmt.Errorf("load evidence: %w", err)
		}
		n, err := Unmarshal(b, f)
		if err != nil {
			return nil, fmt.Errorf("load evidence: %w", err)
		}
		if prev, dup := seen[n.NodeName]; dup {
			return nil, fmt.Errorf("load evidence: node/%s is in both %s and %s", n.NodeName, prev, f)
		}
		seen[n.NodeName] = f
		out = append(out, n)
	}
	return out, nil
}
