// Command binsize prints where the bytes of the stripped kubectl-harden binary
// go, per package and per module (as goweight does, but measured in the linked
// binary rather than in the package archives), and with -check fails when the
// binary is larger than -max or when the linker had to keep every exported
// method of the program.
//
//	go run ./hack/binsize                  # linux/amd64, linked as `make build` links it
//	go run ./hack/binsize -check -n 15     # what `make check` runs
//
// The binary is linked twice from the same build cache: with -s -w as
// released, for its size and sections, and with its symbol table and the
// linker's -dumpdep, for the breakdown. Every symbol of `go tool nm -size`
// that takes bytes in the file is charged to its package; the pc-line table
// (.gopclntab: function names, line tables, stack maps) and the function
// metadata (go:func.*), together about 40 % of the file, are shared out in
// proportion to each package's code. Type descriptors and string data that
// the symbol table does not name stay in the "unattributed" line.
//
// Dead-code elimination: a reachable call of reflect.Value.Method or of
// MethodByName with a name known only at run time (text/template's and
// html/template's Execute make one) makes the linker keep every exported
// method of every type that is converted to an interface. For a program that
// links client-go that is about 18 MB. -check fails when -dumpdep shows such a
// function and prints the path to it.
package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	pkg := flag.String("pkg", "./cmd/kubectl-harden", "main package to build")
	goos := flag.String("goos", "linux", "GOOS to build for (the breakdown reads ELF)")
	goarch := flag.String("goarch", "amd64", "GOARCH to build for")
	top := flag.Int("n", 40, "packages and modules to list (0: all)")
	check := flag.Bool("check", false, "fail when the stripped binary exceeds -max or method dead-code elimination is off")
	maxMB := flag.Float64("max", 36, "largest stripped binary -check accepts, in MB (10^6 bytes)")
	flag.Parse()
	if *goos != "linux" {
		fail("-goos %s: only linux (ELF) is supported", *goos)
	}

	dir, err := os.MkdirTemp("", "binsize")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(dir)
	stripped, full := filepath.Join(dir, "stripped"), filepath.Join(dir, "full")
	env := append(os.Environ(), "CGO_ENABLED=0", "GOOS="+*goos, "GOARCH="+*goarch)
	if _, err := run(env, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", stripped, *pkg); err != nil {
		fail("%v", err)
	}
	deps, err := run(env, "go", "build", "-trimpath", "-ldflags=-dumpdep", "-o", full, *pkg)
	if err != nil {
		fail("%v", err)
	}
	nm, err := run(nil, "go", "tool", "nm", "-size", full)
	if err != nil {
		fail("%v", err)
	}

	fi, err := os.Stat(stripped)
	if err != nil {
		fail("%v", err)
	}
	size := fi.Size()
	sections, pclntab, err := sectionSizes(stripped)
	if err != nil {
		fail("%v", err)
	}
	ranges, err := fileRanges(full)
	if err != nil {
		fail("%v", err)
	}
	mods, err := modules(full)
	if err != nil {
		fail("%v", err)
	}

	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "%s for %s/%s, -trimpath -ldflags='-s -w': %s stripped (%d bytes)\n", *pkg, *goos, *goarch, mb(size), size)
	fmt.Fprintf(w, "sections: %s\n\n", sections)

	b := breakdown(nm, ranges, mods)
	shared := pclntab + b.funcdata
	share := func(code int64) int64 {
		if b.code == 0 {
			return 0
		}
		return code * shared / b.code
	}
	printTable(w, "package", b.pkgs, *top, share)
	fmt.Fprintln(w)
	printTable(w, "module", b.mods, *top, share)
	attributed := b.symbols - b.funcdata + shared
	fmt.Fprintf(w, "\nattributed above: %s (symbols %s, .gopclntab and go:func.* %s shared by code size);\nunattributed (type descriptors, string data, runtime tables, headers, padding): %s\n",
		mb(attributed), mb(b.symbols-b.funcdata), mb(shared), mb(size-attributed))

	reflectMethod := reflectMethodPath(deps)
	if len(reflectMethod) > 0 {
		fmt.Fprintf(w, "\nmethod dead-code elimination is OFF: the linker keeps every exported method, because of\n  %s\n\n", strings.Join(reflectMethod, "\n  <- "))
	} else {
		fmt.Fprintf(w, "\nmethod dead-code elimination is on (no reachable reflect Method/MethodByName with a run-time name)\n\n")
	}
	if !*check {
		return
	}
	bad := false
	if limit := int64(*maxMB * 1e6); size > limit {
		fmt.Fprintf(w, "FAIL: the stripped binary is %s, more than %s\n", mb(size), mb(limit))
		bad = true
	}
	if len(reflectMethod) > 0 {
		fmt.Fprintf(w, "FAIL: %s disables method dead-code elimination (text/template and html/template do: use github.com/DataDog/datadog-agent/pkg/template)\n", reflectMethod[0])
		bad = true
	}
	if bad {
		w.Flush()
		os.Exit(1)
	}
	fmt.Fprintf(w, "OK: %s stripped (at most %s), method dead-code elimination on\n", mb(size), mb(int64(*maxMB*1e6)))
}

// run runs a command and returns its standard error (where the linker's
// -dumpdep writes); a failure includes it.
func run(env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(stderr.Bytes(), 4000))
	}
	if stdout.Len() > 0 {
		return stdout.Bytes(), nil
	}
	return stderr.Bytes(), nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// sectionSizes lists the sections that take bytes in the file, largest first,
// and returns the size of .gopclntab.
func sectionSizes(path string) (string, int64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	type sec struct {
		name string
		size int64
	}
	var secs []sec
	var pclntab int64
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || s.Type == elf.SHT_NULL || s.Size < 100_000 {
			continue
		}
		secs = append(secs, sec{s.Name, int64(s.Size)})
		if s.Name == ".gopclntab" {
			pclntab = int64(s.Size)
		}
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i].size > secs[j].size })
	var parts []string
	for _, s := range secs {
		parts = append(parts, fmt.Sprintf("%s %s", s.name, mb(s.size)))
	}
	return strings.Join(parts, ", "), pclntab, nil
}

// addrRange is a section's address range; code is true for .text.
type addrRange struct {
	lo, hi uint64
	code   bool
}

// fileRanges returns the address ranges of the allocated sections that take
// bytes in the file (not .bss and .noptrbss).
func fileRanges(path string) ([]addrRange, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r []addrRange
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS {
			continue
		}
		r = append(r, addrRange{s.Addr, s.Addr + s.Size, s.Flags&elf.SHF_EXECINSTR != 0})
	}
	return r, nil
}

// modules returns the module paths of the binary, main module included.
func modules(path string) ([]string, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := []string{bi.Main.Path}
	for _, d := range bi.Deps {
		m = append(m, d.Path)
	}
	// longest first, so that the first prefix that matches is the module
	sort.Slice(m, func(i, j int) bool { return len(m[i]) > len(m[j]) })
	return m, nil
}

// weight is what one package or module takes.
type weight struct {
	name       string
	code, data int64
}

type result struct {
	pkgs, mods []*weight
	// code is the size of all code; symbols of all symbols in the file;
	// funcdata of go:func.*, which is shared by code size.
	code, symbols, funcdata int64
}

func breakdown(nm []byte, ranges []addrRange, mods []string) result {
	pkgs, modw := map[string]*weight{}, map[string]*weight{}
	var r result
	sc := bufio.NewScanner(bytes.NewReader(nm))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		// "  addr size type name", the name may hold spaces.
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		addr, err1 := strconv.ParseUint(f[0], 16, 64)
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || size == 0 {
			continue
		}
		code, inFile := false, false
		for _, rg := range ranges {
			if addr >= rg.lo && addr < rg.hi {
				code, inFile = rg.code, true
				break
			}
		}
		if !inFile {
			continue
		}
		name := strings.Join(f[3:], " ")
		r.symbols += size
		if name == "go:func.*" {
			r.funcdata += size
			continue
		}
		p := symbolPackage(name)
		m := modulePath(p, mods)
		for _, x := range []struct {
			k string
			t map[string]*weight
		}{{p, pkgs}, {m, modw}} {
			w := x.t[x.k]
			if w == nil {
				w = &weight{name: x.k}
				x.t[x.k] = w
			}
			if code {
				w.code += size
			} else {
				w.data += size
			}
		}
		if code {
			r.code += size
		}
	}
	for _, w := range pkgs {
		r.pkgs = append(r.pkgs, w)
	}
	for _, w := range modw {
		r.mods = append(r.mods, w)
	}
	return r
}

// symbolPackage returns the import path of a symbol's package:
// "k8s.io/api/core/v1" for "k8s.io/api/core/v1.(*Pod).Marshal" and for
// "type:*k8s.io/api/core/v1.Pod"; other linker-made symbols are "(runtime tables)".
func symbolPackage(name string) string {
	switch {
	case strings.HasPrefix(name, "type:"):
		name = strings.TrimPrefix(name, "type:")
	case strings.HasPrefix(name, "go:itab."):
		name = strings.TrimPrefix(name, "go:itab.")
	case strings.HasPrefix(name, "go:"):
		return "(runtime tables)"
	}
	for {
		n := name
		for _, p := range []string{"*", "[]", "map[", "chan ", "func(", "noalg.", "struct {", "interface {", ".eq.", ".hash."} {
			name = strings.TrimPrefix(name, p)
		}
		if len(name) > 1 && name[0] == '[' { // [4]T
			if i := strings.IndexByte(name, ']'); i > 0 {
				name = name[i+1:]
			}
		}
		if name == n {
			break
		}
	}
	if i := strings.IndexAny(name, "([{ ,"); i >= 0 {
		name = name[:i]
	}
	slash := strings.LastIndexByte(name, '/')
	if dot := strings.IndexByte(name[slash+1:], '.'); dot >= 0 {
		name = name[:slash+1+dot]
	}
	if name == "" {
		return "(other)"
	}
	// the linker escapes the dots of a path's last element: gopkg.in/yaml%2ev3
	return strings.ReplaceAll(name, "%2e", ".")
}

// modulePath returns the module of a package: the longest module path that
// is the package's or a prefix of it, "std" for the standard library.
func modulePath(pkg string, mods []string) string {
	if strings.HasPrefix(pkg, "(") {
		return pkg
	}
	for _, m := range mods {
		if pkg == m || strings.HasPrefix(pkg, m+"/") {
			return m
		}
	}
	first, _, _ := strings.Cut(pkg, "/")
	if !strings.Contains(first, ".") || first == "vendor" {
		return "std"
	}
	return "(unknown module) " + pkg
}

func printTable(w io.Writer, what string, ws []*weight, top int, share func(int64) int64) {
	total := func(x *weight) int64 { return x.code + x.data + share(x.code) }
	sort.Slice(ws, func(i, j int) bool {
		if a, b := total(ws[i]), total(ws[j]); a != b {
			return a > b
		}
		return ws[i].name < ws[j].name
	})
	fmt.Fprintf(w, "%9s %9s %9s  %s (%d)\n", "in file", "code", "data", what, len(ws))
	var rest weight
	for i, x := range ws {
		if top > 0 && i >= top {
			rest.code += x.code
			rest.data += x.data
			continue
		}
		fmt.Fprintf(w, "%9s %9s %9s  %s\n", mb(total(x)), mb(x.code), mb(x.data), x.name)
	}
	if top > 0 && len(ws) > top {
		fmt.Fprintf(w, "%9s %9s %9s  (%d more)\n", mb(total(&rest)), mb(rest.code), mb(rest.data), len(ws)-top)
	}
}

// reflectMethodPath returns the first reachable function the linker marked
// <ReflectMethod> and the functions that reach it, from -dumpdep's
// "from -> to" lines (each symbol is listed once, with the edge that first
// reached it).
func reflectMethodPath(deps []byte) []string {
	parent := map[string]string{}
	var marked string
	sc := bufio.NewScanner(bytes.NewReader(deps))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " -> ")
		if !ok {
			continue
		}
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if marked == "" && strings.HasSuffix(to, "<ReflectMethod>") {
			marked = to
		}
		if _, seen := parent[to]; !seen {
			parent[to] = from
		}
	}
	if marked == "" {
		return nil
	}
	path := []string{marked}
	for cur := marked; len(path) < 40; {
		p, ok := parent[cur]
		if !ok || p == "" {
			break
		}
		// the parent is printed with its own flags when it has some
		if _, ok := parent[p]; !ok {
			for k := range parent {
				if strings.HasPrefix(k, p+" <") {
					p = k
					break
				}
			}
		}
		path = append(path, p)
		cur = p
	}
	return path
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "binsize: "+format+"\n", args...)
	os.Exit(1)
}
