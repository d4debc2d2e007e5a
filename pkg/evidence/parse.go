package evidence

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
)

// FormatVersion is the version of the collector's text format that Parse
// reads. The header line is "#kubectl-harden-evidence " + FormatVersion.
const FormatVersion = "v1"

// FormatHeader is the first line of the collector's output.
const FormatHeader = "#kubectl-harden-evidence " + FormatVersion

// MaxLineBytes bounds one line of collector output. The collector wraps
// base64 at 76 columns, so only paths and command lines come near it.
const MaxLineBytes = 1 << 20

// ErrTruncated is wrapped by Parse's error when the output ends before its
// trailer (the pod was killed, or the log was cut).
var ErrTruncated = errors.New("evidence truncated")

// The collector's text format, version v1 (pkg/debugpod/collector.sh writes it):
//
//	#kubectl-harden-evidence v1               header, always first
//	time <unix-seconds>                       when the collector ran
//	proc <component> <pid> <host|container|unknown>
//	argv <base64>                             argv, NUL-separated, base64 wrapped over several lines
//	env <NAME> <base64-value|->               etcd only; "-" means redacted
//	file <hex-raw-mode> <uid> <gid> <size> <via> <path>
//	target <path>                             the preceding file record is a symlink resolved to path
//	missing <via> <path>
//	staterr <via> <path>
//	config <via> <path> / data <base64>... / end
//	cert <via> <path> / pem <line>... / end    CERTIFICATE blocks only
//	encryption <via> <path> / provider <name>... / end
//	user <uid> <name>, group <gid> <name>     from the host's /etc/passwd and /etc/group
//	warn <text>
//	truncated <bytes>                         the total size bound was hit; nothing follows
//	#end <count>                              trailer: count of lines between header and trailer
//
// <via> is "host" or "proc:<pid>"; the path is the rest of the line, so it
// may contain spaces. Parse is strict: an unknown record type, a malformed
// field, a continuation record out of place or a wrong count is an error
// naming the line. Unknown types are errors rather than warnings because the
// collector itself turns anything unexpected (stderr of its tools) into
// "warn" records, so an unknown type means a format mismatch.
//
// Later records of a path never replace earlier ones, except that a record
// of an existing file replaces a "missing" one (the collector reads host
// paths first, then the paths named by containerized components through
// their /proc/<pid>/root).

// Field checks of the parser.
var (
	componentNames = func() map[string]Component {
		m := map[string]Component{}
		for _, c := range Components {
			m[string(c)] = c
		}
		return m
	}()
	envNameRE  = regexp.MustCompile(`^ETCD_[A-Z0-9_]*$`)
	accountRE  = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	providerRE = regexp.MustCompile(`^[a-z0-9]+$`)
)

// parser holds the state of one Parse call.
type parser struct {
	n        *Node
	line     int
	records  int
	proc     *Process
	procComp Component
	procDup  bool
	procArgv *strings.Builder
	// afterFile is true right after a file record; lastFile is that
	// record if it was kept (nil when an earlier record of the path won).
	afterFile bool
	lastFile  *File
	block     string // "config", "cert" or "encryption" while inside one
	path      string
	body      strings.Builder
	provs     []string
	pems      map[string][]byte
	// droppedWarnings counts warnings beyond maxWarnings.
	droppedWarnings int
}

// Parse is ParseContext without a deadline.
func Parse(r io.Reader, nodeName string) (*Node, error) {
	return ParseContext(context.Background(), r, nodeName)
}

// ParseContext reads the collector's output for one node. nodeName becomes
// Node.NodeName. Certificates are parsed and linked within bounded work
// (see ParseCertificatesContext). The error names the line at fault; a
// missing trailer wraps ErrTruncated; when ctx ends first, the error wraps
// its cause.
func ParseContext(ctx context.Context, r io.Reader, nodeName string) (*Node, error) {
	p := &parser{
		n: &Node{
			Schema: SchemaVersion, NodeName: nodeName, CollectorVersion: FormatVersion,
			Processes: map[Component]*Process{}, Files: map[string]*File{},
			Users: map[int]string{}, Groups: map[int]string{}, Configs: map[string]string{},
			EncryptionProviders: map[string][]string{}, Certificates: map[string]*Certificate{},
		},
		pems: map[string][]byte{},
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes)
	header, trailer := false, false
	for sc.Scan() {
		p.line++
		if p.line%4096 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("line %d: %w", p.line, context.Cause(ctx))
		}
		text := strings.TrimSuffix(sc.Text(), "\r")
		if trailer {
			if strings.TrimSpace(text) == "" {
				continue
			}
			return nil, fmt.Errorf("line %d: data after the trailer", p.line)
		}
		if !header {
			if text != FormatHeader {
				if strings.HasPrefix(text, "#kubectl-harden-evidence ") {
					return nil, fmt.Errorf("line %d: collector format %q is not supported (want %s)", p.line, strings.TrimPrefix(text, "#kubectl-harden-evidence "), FormatVersion)
				}
				return nil, fmt.Errorf("line %d: want header %q, got %q", p.line, FormatHeader, clip(text))
			}
			header = true
			continue
		}
		if rest, ok := strings.CutPrefix(text, "#end "); ok {
			if err := p.finishProc(); err != nil {
				return nil, err
			}
			if p.block != "" {
				return nil, fmt.Errorf("line %d: %s block for %s has no end", p.line, p.block, clipPath(p.path))
			}
			n, err := strconv.Atoi(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: bad trailer count %q", p.line, clip(rest))
			}
			if n != p.records {
				return nil, fmt.Errorf("line %d: trailer counts %d records, read %d: %w", p.line, n, p.records, ErrTruncated)
			}
			trailer = true
			continue
		}
		p.records++
		if err := p.record(text); err != nil {
			return nil, fmt.Errorf("line %d: %w", p.line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", p.line+1, err)
	}
	if !header {
		return nil, fmt.Errorf("no evidence header %q in the collector output: %w", FormatHeader, ErrTruncated)
	}
	if !trailer {
		return nil, fmt.Errorf("no trailer after line %d: %w", p.line, ErrTruncated)
	}
	if p.droppedWarnings > 0 {
		p.n.Warnings = append(p.n.Warnings, fmt.Sprintf("%d more collector warnings were dropped", p.droppedWarnings))
	}
	certs, err := ParseCertificatesContext(ctx, p.pems)
	if err != nil {
		return nil, err
	}
	p.n.Certificates = certs
	for path, c := range p.n.Certificates {
		if c.Error == "" && len(p.pems[path]) == 0 {
			c.Error = "no certificate in file"
		}
	}
	return p.n, nil
}

// clip bounds a piece of a record quoted in an error (the node wrote it).
func clip(s string) string { return safetext.Clip(s, 80) }

// clipPath bounds a path named in an error or a warning.
func clipPath(s string) string { return safetext.Clip(s, 256) }

// Bounds of the collector's warnings, which become notes of the node's
// report: the collector turns whatever its tools print to stderr into
// warn records, and a node controls that.
const (
	maxWarnings     = 100
	maxWarningBytes = 512
)

// truncated records where the collector's output reached its bound; a
// count that is not a number still marks the output as truncated.
func (p *parser) truncated(rest string) {
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n <= 0 {
		n = 1
	}
	p.n.TruncatedAt = n
}

// warn records a warning, bounded in size and number.
func (p *parser) warn(s string) {
	if len(p.n.Warnings) < maxWarnings {
		p.n.Warnings = append(p.n.Warnings, safetext.Clip(s, maxWarningBytes))
		return
	}
	p.droppedWarnings++
}

// record handles one line between header and trailer.
func (p *parser) record(text string) error {
	typ, rest, _ := strings.Cut(text, " ")
	if p.block != "" {
		return p.blockRecord(typ, rest)
	}
	if p.proc != nil && typ != "argv" && typ != "env" {
		if err := p.finishProc(); err != nil {
			return err
		}
	}
	if typ != "target" {
		p.afterFile, p.lastFile = false, nil
	}
	switch typ {
	case "time":
		sec, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return fmt.Errorf("time record: bad seconds %q", clip(rest))
		}
		p.n.CollectedAt = time.Unix(sec, 0).UTC()
	case "proc":
		f := strings.Fields(rest)
		if len(f) != 3 {
			return fmt.Errorf("proc record: want 3 fields, got %d", len(f))
		}
		if name, ok := strings.CutPrefix(f[0], "supervisor:"); ok {
			return p.supervisor(name, f[1], f[2])
		}
		c, ok := componentNames[f[0]]
		if !ok {
			return fmt.Errorf("proc record: unknown component %q", clip(f[0]))
		}
		pid, err := strconv.Atoi(f[1])
		if err != nil || pid <= 0 {
			return fmt.Errorf("proc record: bad pid %q", clip(f[1]))
		}
		switch f[2] {
		case "host", "container", "unknown":
		default:
			return fmt.Errorf("proc record: bad root kind %q", clip(f[2]))
		}
		p.proc, p.procComp, p.procDup = &Process{PID: pid, Root: f[2]}, c, false
		p.procArgv = &strings.Builder{}
		if prev := p.n.Processes[c]; prev != nil {
			// The first (lowest pid) wins; the duplicate is parsed, then dropped.
			p.warn(fmt.Sprintf("several %s processes (pids %d and %d); using pid %d", c, prev.PID, pid, prev.PID))
			p.procDup = true
			return nil
		}
		p.n.Processes[c] = p.proc
	case "logline":
		comp, source, _ := strings.Cut(rest, " ")
		c, ok := componentNames[comp]
		if !ok || source == "" {
			return fmt.Errorf("logline record: want a component and a source, got %q", clip(rest))
		}
		p.proc, p.procComp, p.procDup = &Process{Origin: safetext.Clip(source, 256)}, c, false
		p.procArgv = &strings.Builder{}
		if p.n.Logged == nil {
			p.n.Logged = map[Component]*Process{}
		}
		if p.n.Logged[c] != nil {
			p.procDup = true // the first line (the newest) wins
			return nil
		}
		p.n.Logged[c] = p.proc
	case "argv":
		if p.proc == nil {
			return errors.New("argv record outside a proc record")
		}
		p.procArgv.WriteString(rest)
	case "env":
		if p.proc == nil {
			return errors.New("env record outside a proc record")
		}
		if p.procComp != Etcd {
			return fmt.Errorf("env record for %s (only etcd's environment is collected)", p.procComp)
		}
		name, val, ok := strings.Cut(rest, " ")
		if !ok || !envNameRE.MatchString(name) {
			return fmt.Errorf("env record: bad variable %q", clip(rest))
		}
		if val == "-" {
			val = Redacted
		} else {
			b, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return fmt.Errorf("env record %s: %w", name, err)
			}
			val = string(b)
		}
		if p.proc.Env == nil {
			p.proc.Env = map[string]string{}
		}
		p.proc.Env[name] = val
	case "file":
		f := strings.SplitN(rest, " ", 6)
		if len(f) != 6 {
			return fmt.Errorf("file record: want 6 fields, got %d", len(f))
		}
		raw, err1 := strconv.ParseUint(f[0], 16, 32)
		uid, err2 := strconv.Atoi(f[1])
		gid, err3 := strconv.Atoi(f[2])
		size, err4 := strconv.ParseInt(f[3], 10, 64)
		if err := errors.Join(err1, err2, err3, err4); err != nil || uid < 0 || gid < 0 || size < 0 {
			return fmt.Errorf("file record: bad mode, owner or size in %q", clip(rest))
		}
		via, path, err := parseVia(f[4], f[5])
		if err != nil {
			return fmt.Errorf("file record: %w", err)
		}
		fi := &File{Path: path, Exists: true, Type: fileType(uint32(raw)), Mode: uint32(raw) & 0o7777, UID: uid, GID: gid, Size: size, ReadVia: via}
		p.afterFile, p.lastFile = true, p.addFile(fi)
	case "target":
		if !p.afterFile {
			return errors.New("target record not after a file record")
		}
		if !strings.HasPrefix(rest, "/") {
			return fmt.Errorf("target record: path %q is not absolute", clip(rest))
		}
		if p.lastFile != nil {
			p.lastFile.Target = rest
		}
		p.afterFile, p.lastFile = false, nil
	case "missing", "staterr":
		via, path, err := recordPath(typ, rest)
		if err != nil {
			return err
		}
		fi := &File{Path: path, ReadVia: via}
		if typ == "staterr" {
			fi.Error = "stat failed"
		}
		p.addFile(fi)
	case "config", "cert", "encryption":
		_, path, err := recordPath(typ, rest)
		if err != nil {
			return err
		}
		p.block, p.path = typ, path
		p.body.Reset()
		p.provs = []string{}
	case "user", "group":
		id, name, ok := strings.Cut(rest, " ")
		n, err := strconv.Atoi(id)
		// useradd allows 32 characters; 256 leaves room for any host.
		if !ok || err != nil || n < 0 || len(name) > 256 || !accountRE.MatchString(name) {
			return fmt.Errorf("%s record: want numeric id and name, got %q", typ, clip(rest))
		}
		m := p.n.Users
		if typ == "group" {
			m = p.n.Groups
		}
		if _, dup := m[n]; !dup { // the first entry wins, as with getpwuid
			m[n] = name
		}
	case "warn":
		p.warn(rest)
	case "truncated":
		p.truncated(rest)
		p.warn(fmt.Sprintf("collector output reached its size bound after %s bytes; later evidence is missing", clip(rest)))
	case "data", "pem", "provider", "end":
		return fmt.Errorf("%s record outside a block", typ)
	default:
		return fmt.Errorf("unknown record type %q", clip(typ))
	}
	return nil
}

// blockRecord handles a line inside a config, cert or encryption block.
func (p *parser) blockRecord(typ, rest string) error {
	want := map[string]string{"config": "data", "cert": "pem", "encryption": "provider"}[p.block]
	switch typ {
	case want:
		switch typ {
		case "data":
			p.body.WriteString(rest)
		case "pem":
			p.body.WriteString(rest)
			p.body.WriteByte('\n')
		case "provider":
			if !providerRE.MatchString(rest) {
				return fmt.Errorf("provider record: bad name %q", clip(rest))
			}
			p.provs = append(p.provs, rest)
		}
		return nil
	case "end":
	case "truncated":
		p.truncated(rest)
		p.warn(fmt.Sprintf("collector output reached its size bound after %s bytes inside the %s block of %s; it and later evidence are missing", clip(rest), p.block, clipPath(p.path)))
		p.block = ""
		return nil
	default:
		return fmt.Errorf("%s record inside the %s block of %s (want %s or end)", clip(typ), p.block, clipPath(p.path), want)
	}
	block := p.block
	p.block = ""
	switch block {
	case "config":
		b, err := base64.StdEncoding.DecodeString(p.body.String())
		if err != nil {
			return fmt.Errorf("config block of %s: %w", clipPath(p.path), err)
		}
		if _, dup := p.n.Configs[p.path]; !dup {
			p.n.Configs[p.path] = string(b)
		}
	case "cert":
		if _, dup := p.pems[p.path]; !dup {
			p.pems[p.path] = []byte(p.body.String())
		}
	case "encryption":
		if _, dup := p.n.EncryptionProviders[p.path]; !dup {
			p.n.EncryptionProviders[p.path] = p.provs
		}
	}
	return nil
}

// supervisor starts a proc record of a distribution's process.
func (p *parser) supervisor(name, pidText, root string) error {
	if !slices.Contains(SupervisorNames, name) {
		return fmt.Errorf("proc record: unknown supervisor %q", clip(name))
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return fmt.Errorf("proc record: bad pid %q", clip(pidText))
	}
	switch root {
	case "host", "container", "unknown":
	default:
		return fmt.Errorf("proc record: bad root kind %q", clip(root))
	}
	p.proc, p.procComp, p.procDup = &Process{PID: pid, Root: root}, "", false
	p.procArgv = &strings.Builder{}
	if p.n.Supervisors == nil {
		p.n.Supervisors = map[string]*Process{}
	}
	if p.n.Supervisors[name] != nil {
		p.procDup = true // the first (lowest pid) wins
		return nil
	}
	p.n.Supervisors[name] = p.proc
	return nil
}

// finishProc decodes the argv of the process being read.
func (p *parser) finishProc() error {
	if p.proc == nil {
		return nil
	}
	proc := p.proc
	p.proc = nil
	raw, err := base64.StdEncoding.DecodeString(p.procArgv.String())
	if err != nil {
		return fmt.Errorf("argv of pid %d: %w", proc.PID, err)
	}
	raw = bytes.TrimSuffix(raw, []byte{0})
	if len(raw) == 0 {
		return fmt.Errorf("pid %d has an empty argv", proc.PID)
	}
	proc.Args = strings.Split(string(raw), "\x00")
	return nil
}

// addFile records a file; an existing record is kept unless it says the
// path is absent and the new one found it (a path missing on the host but
// present in a component's mount namespace). It returns f if it was kept.
func (p *parser) addFile(f *File) *File {
	if old := p.n.Files[f.Path]; old != nil && (old.Exists || !f.Exists) {
		return nil
	}
	p.n.Files[f.Path] = f
	return f
}

// maxPathBytes is Linux's PATH_MAX: no file the kernel can open has a
// longer path, so a longer one is not a record of the collector's. Paths
// end up in every reason that names a file.
const maxPathBytes = 4096

// parseVia checks the via field and the path of a record.
// recordPath reads the "VIA PATH" rest of a record of type typ.
func recordPath(typ, rest string) (via, path string, err error) {
	v, path, ok := strings.Cut(rest, " ")
	if !ok {
		return "", "", fmt.Errorf("%s record: want via and path", typ)
	}
	if via, path, err = parseVia(v, path); err != nil {
		return "", "", fmt.Errorf("%s record: %w", typ, err)
	}
	return via, path, nil
}

func parseVia(via, path string) (string, string, error) {
	if !strings.HasPrefix(path, "/") {
		return "", "", fmt.Errorf("path %q is not absolute", clip(path))
	}
	if len(path) > maxPathBytes {
		return "", "", fmt.Errorf("path of %d bytes is longer than PATH_MAX (%d): %q", len(path), maxPathBytes, clip(path))
	}
	if via == "host" {
		return "", path, nil
	}
	pid, ok := strings.CutPrefix(via, "proc:")
	if n, err := strconv.Atoi(pid); !ok || err != nil || n <= 0 {
		return "", "", fmt.Errorf("bad via %q", clip(via))
	}
	return "/proc/" + pid + "/root", path, nil
}

// fileType names the S_IFMT bits of a raw st_mode.
func fileType(raw uint32) string {
	switch raw & 0o170000 {
	case 0o100000:
		return "file"
	case 0o040000:
		return "dir"
	case 0o120000:
		return "symlink"
	}
	return "other"
}
