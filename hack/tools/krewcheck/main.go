// Command krewcheck renders, validates and (when the real Krew cannot be
// had) installs the Krew manifest of kubectl-harden. It is run by
// hack/krew-check.sh; see docs/releasing.md.
//
//	krewcheck render   -template plugins/krew.yaml -tag v0.1.0 -dist dist -out dist/krew/harden.yaml
//	krewcheck validate -manifest dist/krew/harden.yaml [-dist dist]
//	krewcheck install  -manifest dist/krew/harden.yaml -archive FILE   (KREW_ROOT, KREW_OS, KREW_ARCH)
//	krewcheck uninstall harden                                          (KREW_ROOT)
//
// render fills the krew-release-bot template with the same template
// functions as the bot (addURIAndSha, indent), taking each sha256 from the
// local archive named like the release asset instead of downloading it.
//
// validate applies Krew v0.4.5's own rules (internal/index/validation and
// cmd/validate-krew-manifest: apiVersion, kind, name, semver version,
// sha256 format, selectors, one platform per supported os/arch, a LICENSE
// in every archive) plus this project's rules (shortDescription of at most
// 50 characters, description and caveats wrapped at 80 columns, the six
// release platforms present, and each archive's bin present).
//
// install and uninstall are a stand-in for `kubectl krew install
// --manifest --archive` and `kubectl krew uninstall`, with Krew's on-disk
// layout ($KREW_ROOT/store/<name>/<version>, $KREW_ROOT/bin/kubectl-<name>
// symlink, $KREW_ROOT/receipts/<name>.yaml). hack/krew-check.sh uses them
// only when Krew itself cannot be installed.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"text/template"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	k8sver "k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/yaml"
)

// Types as in sigs.k8s.io/krew/pkg/index.
type Plugin struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              PluginSpec `json:"spec"`
}

type PluginSpec struct {
	Version          string     `json:"version,omitempty"`
	ShortDescription string     `json:"shortDescription,omitempty"`
	Description      string     `json:"description,omitempty"`
	Caveats          string     `json:"caveats,omitempty"`
	Homepage         string     `json:"homepage,omitempty"`
	Platforms        []Platform `json:"platforms,omitempty"`
}

type Platform struct {
	URI      string                `json:"uri,omitempty"`
	Sha256   string                `json:"sha256,omitempty"`
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	Files    []FileOperation       `json:"files"`
	Bin      string                `json:"bin"`
}

type FileOperation struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

type Receipt struct {
	Plugin `json:",inline"`
	Status struct {
		Source struct {
			Name string `json:"name"`
		} `json:"source"`
	} `json:"status"`
}

const (
	apiVersion = "krew.googlecontainertools.github.com/v1alpha2"
	pluginKind = "Plugin"
	homepage   = "https://github.com/kubectl-harden/kubectl-harden"
)

// The release platforms of .goreleaser.yaml.
var releasePlatforms = []osArch{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

type osArch struct{ OS, Arch string }

func (p osArch) String() string { return p.OS + "/" + p.Arch }

// allPlatforms is Krew's list of supported <os,arch> pairs
// (cmd/validate-krew-manifest).
var allPlatforms = []osArch{
	{"windows", "386"}, {"windows", "amd64"}, {"windows", "arm64"},
	{"linux", "386"}, {"linux", "amd64"}, {"linux", "arm"}, {"linux", "arm64"}, {"linux", "ppc64le"},
	{"darwin", "386"}, {"darwin", "amd64"}, {"darwin", "arm64"},
}

func main() {
	if len(os.Args) < 2 {
		fatalf("usage: krewcheck render|validate|install|uninstall [flags]")
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "render":
		err = cmdRender(args)
	case "validate":
		err = cmdValidate(args)
	case "install":
		err = cmdInstall(args)
	case "uninstall":
		err = cmdUninstall(args)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fatalf("krewcheck %s: %v", os.Args[1], err)
	}
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "ERROR: "+format+"\n", a...)
	os.Exit(1)
}

// ---------------------------------------------------------------- render

func cmdRender(args []string) error {
	fs := flag.NewFlagSet("render", flag.ExitOnError)
	tmpl := fs.String("template", "plugins/krew.yaml", "krew-release-bot template")
	tag := fs.String("tag", "", "release tag (TagName), e.g. v0.1.0")
	dist := fs.String("dist", "dist", "directory holding the release archives")
	out := fs.String("out", "", "rendered manifest (default stdout)")
	uriBase := fs.String("uri-base", "", "if set, replace each uri's directory with this base (e.g. file:///abs/dist/)")
	_ = fs.Parse(args)
	if *tag == "" {
		return errors.New("-tag is required")
	}
	b, err := renderTemplate(*tmpl, *tag, func(uri string) (string, string, error) {
		u, err := url.Parse(uri)
		if err != nil {
			return "", "", fmt.Errorf("asset url %q: %w", uri, err)
		}
		name := path.Base(u.Path)
		local := filepath.Join(*dist, name)
		sum, err := sha256File(local)
		if err != nil {
			return "", "", fmt.Errorf("asset %s: no local archive %s (did hack/release.sh run?): %w", uri, local, err)
		}
		if *uriBase != "" {
			uri = strings.TrimSuffix(*uriBase, "/") + "/" + name
		}
		return uri, sum, nil
	})
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(*out, b, 0o644)
}

// renderTemplate mirrors krew-release-bot's pkg/source/template.go: the same
// functions and the same output of addURIAndSha ("uri: U\n    sha256: S").
func renderTemplate(file, tag string, resolve func(uri string) (string, string, error)) ([]byte, error) {
	var resolveErr error
	funcs := template.FuncMap{
		"indent": func(spaces int, v string) string {
			v = strings.ReplaceAll(v, "    sha256:", "sha256:")
			pad := strings.Repeat(" ", spaces)
			return strings.TrimSpace(pad + strings.ReplaceAll(v, "\n", "\n"+pad))
		},
		"addURIAndSha": func(uriTmpl, tag string) (string, error) {
			t, err := template.New("url").Parse(uriTmpl)
			if err != nil {
				return "", err
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, struct{ TagName string }{tag}); err != nil {
				return "", err
			}
			uri, sum, err := resolve(buf.String())
			if err != nil {
				resolveErr = err
				return "", err
			}
			return fmt.Sprintf("uri: %s\n    sha256: %s", uri, sum), nil
		},
	}
	t, err := template.New(filepath.Base(file)).Funcs(funcs).Option("missingkey=error").ParseFiles(file)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	values := struct{ TagName string }{tag}
	if err := t.Execute(&buf, values); err != nil {
		if resolveErr != nil {
			return nil, resolveErr
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

// ---------------------------------------------------------------- validate

func cmdValidate(args []string) error {
	fs := flag.NewFlagSet("validate", flag.ExitOnError)
	manifest := fs.String("manifest", "", "rendered manifest file (<name>.yaml)")
	dist := fs.String("dist", "", "if set, check every platform's archive in this directory (sha256, bin, LICENSE)")
	_ = fs.Parse(args)
	if *manifest == "" {
		return errors.New("-manifest is required")
	}
	p, err := readPlugin(*manifest)
	if err != nil {
		return err
	}
	ext := filepath.Ext(*manifest)
	if ext != ".yaml" {
		return fmt.Errorf("expected manifest extension \".yaml\" but found %q", ext)
	}
	if err := validatePlugin(strings.TrimSuffix(filepath.Base(*manifest), ext), p); err != nil {
		return fmt.Errorf("plugin validation error: %w", err)
	}
	for i, pl := range p.Spec.Platforms {
		if m := matchingPlatforms(pl.Selector, allPlatforms); len(m) == 0 {
			return fmt.Errorf("spec.platforms[%d]'s selector (%v) doesn't match any supported platforms", i, pl.Selector)
		}
	}
	for _, env := range allPlatforms {
		var idx []int
		for i, pl := range p.Spec.Platforms {
			if selectorMatches(pl.Selector, env) {
				idx = append(idx, i)
			}
		}
		if len(idx) > 1 {
			return fmt.Errorf("overlapping platform selectors found: spec.platforms (at indexes %v) select %s", idx, env)
		}
	}
	if err := lintProject(p); err != nil {
		return fmt.Errorf("project rules: %w", err)
	}
	fmt.Printf("%s: Krew structural validation OK (%d platforms, version %s)\n", *manifest, len(p.Spec.Platforms), p.Spec.Version)
	if *dist == "" {
		return nil
	}
	for i, pl := range p.Spec.Platforms {
		env := matchingPlatforms(pl.Selector, allPlatforms)[0]
		u, err := url.Parse(pl.URI)
		if err != nil {
			return fmt.Errorf("spec.platforms[%d].uri: %w", i, err)
		}
		archive := filepath.Join(*dist, path.Base(u.Path))
		files, err := installPlatform(p, pl, archive, env, nil)
		if err != nil {
			return fmt.Errorf("spec.platforms[%d] (%s) failed to install from %s: %w", i, env, archive, err)
		}
		if !hasLicense(files) {
			return fmt.Errorf("spec.platforms[%d] (%s): LICENSE (or alike) file is not extracted from the archive, found %v", i, env, files)
		}
		fmt.Printf("  %-13s %s: sha256 ok, installs %s\n", env, filepath.Base(archive), strings.Join(files, ", "))
	}
	return nil
}

func readPlugin(file string) (Plugin, error) {
	var p Plugin
	b, err := os.ReadFile(file)
	if err != nil {
		return p, err
	}
	// Krew decodes leniently (yaml.Unmarshal); we are stricter so that a typo
	// in a field name of our own template is caught.
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		return p, fmt.Errorf("failed to parse yaml file %q: %w", file, err)
	}
	return p, nil
}

var (
	safePluginRegexp = regexp.MustCompile(`^[\w-]+$`)
	validSHA256      = regexp.MustCompile(`^[a-f0-9]{64}$`)
	windowsForbidden = []string{"CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5",
		"COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"}
)

// validatePlugin is Krew v0.4.5's validation.ValidatePlugin.
func validatePlugin(name string, p Plugin) error {
	if p.APIVersion != apiVersion {
		return fmt.Errorf("plugin manifest has apiVersion=%q, not supported", p.APIVersion)
	}
	if p.Kind != pluginKind {
		return fmt.Errorf("plugin manifest has kind=%q, but only %q is supported", p.Kind, pluginKind)
	}
	if !safePluginRegexp.MatchString(name) {
		return fmt.Errorf("the plugin name %q is not allowed, must match %q", name, safePluginRegexp)
	}
	for _, f := range windowsForbidden {
		if strings.EqualFold(f, name) {
			return fmt.Errorf("the plugin name %q is not allowed", name)
		}
	}
	if p.Name != name {
		return fmt.Errorf("plugin should be named %q, not %q", name, p.Name)
	}
	if p.Spec.ShortDescription == "" {
		return errors.New("should have a short description")
	}
	if strings.ContainsAny(p.Spec.ShortDescription, "\r\n") {
		return errors.New("should not have line breaks in short description")
	}
	if len(p.Spec.Platforms) == 0 {
		return errors.New("should have a platform specified")
	}
	if p.Spec.Version == "" {
		return errors.New("should have a version specified")
	}
	if !strings.HasPrefix(p.Spec.Version, "v") {
		return fmt.Errorf("failed to parse plugin version: version string %q not starting with 'v'", p.Spec.Version)
	}
	if _, err := k8sver.ParseSemantic(p.Spec.Version); err != nil {
		return fmt.Errorf("failed to parse plugin version: %w", err)
	}
	for i, pl := range p.Spec.Platforms {
		if err := validatePlatform(pl); err != nil {
			return fmt.Errorf("platform[%d] (%+v) is badly constructed: %w", i, pl, err)
		}
	}
	return nil
}

func validatePlatform(p Platform) error {
	switch {
	case p.URI == "":
		return errors.New("`uri` has to be set")
	case p.Sha256 == "":
		return errors.New("`sha256` sum has to be set")
	case !validSHA256.MatchString(p.Sha256):
		return fmt.Errorf("`sha256` value %s is not valid, must match pattern %s", p.Sha256, validSHA256)
	case p.Bin == "":
		return errors.New("`bin` has to be set")
	}
	if p.Files != nil {
		if len(p.Files) == 0 {
			return errors.New("`files` is invalid: `files` has to be unspecified or non-empty")
		}
		for _, op := range p.Files {
			if op.From == "" {
				return errors.New("`files` is invalid: `from` field has to be set")
			}
			if op.To == "" {
				return errors.New("`files` is invalid: `to` field has to be set")
			}
		}
	}
	sel := p.Selector
	if sel == nil {
		return errors.New("invalid platform selector: nil selector is not supported")
	}
	if sel.MatchLabels == nil && len(sel.MatchExpressions) == 0 {
		return errors.New("invalid platform selector: empty selector is not supported")
	}
	var keys []string
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	for _, e := range sel.MatchExpressions {
		keys = append(keys, e.Key)
	}
	for _, k := range keys {
		if k != "os" && k != "arch" {
			return fmt.Errorf("invalid platform selector: key %q not supported", k)
		}
	}
	if sel.MatchLabels != nil && len(sel.MatchLabels) == 0 {
		return errors.New("invalid platform selector: `matchLabels` specified but empty")
	}
	if sel.MatchExpressions != nil && len(sel.MatchExpressions) == 0 {
		return errors.New("invalid platform selector: `matchExpressions` specified but empty")
	}
	return nil
}

func selectorMatches(sel *metav1.LabelSelector, env osArch) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return s.Matches(labels.Set{"os": env.OS, "arch": env.Arch})
}

func matchingPlatforms(sel *metav1.LabelSelector, envs []osArch) []osArch {
	var out []osArch
	for _, env := range envs {
		if selectorMatches(sel, env) {
			out = append(out, env)
		}
	}
	return out
}

// lintProject holds this project's own rules for the manifest.
func lintProject(p Plugin) error {
	var errs []string
	if n := len([]rune(p.Spec.ShortDescription)); n > 50 {
		errs = append(errs, fmt.Sprintf("shortDescription is %d characters, at most 50", n))
	}
	if p.Spec.Homepage != homepage {
		errs = append(errs, fmt.Sprintf("homepage is %q, want %q", p.Spec.Homepage, homepage))
	}
	if strings.TrimSpace(p.Spec.Description) == "" {
		errs = append(errs, "description is empty")
	}
	if strings.TrimSpace(p.Spec.Caveats) == "" {
		errs = append(errs, "caveats is empty")
	}
	for field, text := range map[string]string{"description": p.Spec.Description, "caveats": p.Spec.Caveats} {
		for i, line := range strings.Split(text, "\n") {
			if n := len([]rune(line)); n > 80 {
				errs = append(errs, fmt.Sprintf("%s line %d is %d columns, at most 80", field, i+1, n))
			}
		}
	}
	for _, env := range releasePlatforms {
		var n int
		for _, pl := range p.Spec.Platforms {
			if selectorMatches(pl.Selector, env) {
				n++
				wantBin := "kubectl-harden"
				if env.OS == "windows" {
					wantBin += ".exe"
				}
				if pl.Bin != wantBin {
					errs = append(errs, fmt.Sprintf("%s: bin is %q, want %q", env, pl.Bin, wantBin))
				}
				if !strings.Contains(pl.URI, env.OS+"_"+env.Arch) {
					errs = append(errs, fmt.Sprintf("%s: uri %q does not name %s_%s", env, pl.URI, env.OS, env.Arch))
				}
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Sprintf("%s: %d platform entries, want 1", env, n))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// ---------------------------------------------------------------- install

func krewRoot() (string, error) {
	r := os.Getenv("KREW_ROOT")
	if r == "" {
		return "", errors.New("KREW_ROOT must be set (krewcheck never touches ~/.krew)")
	}
	return filepath.Abs(r)
}

func currentPlatform() osArch {
	env := osArch{runtime.GOOS, runtime.GOARCH}
	if v := os.Getenv("KREW_OS"); v != "" {
		env.OS = v
	}
	if v := os.Getenv("KREW_ARCH"); v != "" {
		env.Arch = v
	}
	return env
}

func cmdInstall(args []string) error {
	fs := flag.NewFlagSet("install", flag.ExitOnError)
	manifest := fs.String("manifest", "", "plugin manifest")
	archive := fs.String("archive", "", "local archive to use instead of the uri")
	_ = fs.Parse(args)
	if *manifest == "" || *archive == "" {
		return errors.New("-manifest and -archive are required")
	}
	root, err := krewRoot()
	if err != nil {
		return err
	}
	p, err := readPlugin(*manifest)
	if err != nil {
		return err
	}
	if err := validatePlugin(p.Name, p); err != nil {
		return fmt.Errorf("plugin manifest validation error: %w", err)
	}
	receiptPath := filepath.Join(root, "receipts", p.Name+".yaml")
	if _, err := os.Stat(receiptPath); err == nil {
		return errors.New("can't install, the newest version is already installed")
	}
	env := currentPlatform()
	var cand *Platform
	for i := range p.Spec.Platforms {
		if selectorMatches(p.Spec.Platforms[i].Selector, env) {
			cand = &p.Spec.Platforms[i]
			break
		}
	}
	if cand == nil {
		return fmt.Errorf("plugin %q does not offer installation for this platform (%s)", p.Name, env)
	}
	if _, err := installPlatform(p, *cand, *archive, env, &root); err != nil {
		return fmt.Errorf("install failed: %w", err)
	}
	var r Receipt
	r.Plugin = p
	r.CreationTimestamp = metav1.NewTime(time.Now())
	r.Status.Source.Name = "detached"
	b, err := yaml.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(receiptPath), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(receiptPath, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("Installed plugin: %s (krewcheck stand-in for Krew, %s)\n", p.Name, env)
	if p.Spec.Caveats != "" {
		fmt.Printf("\\\n | %s\n/\n", strings.ReplaceAll(strings.TrimRight(p.Spec.Caveats, "\n"), "\n", "\n | "))
	}
	return nil
}

// installPlatform verifies and extracts archive, applies the file operations
// and, if root is set, moves the result to Krew's store and links the bin.
// It returns the installed files (relative, slash-separated).
func installPlatform(p Plugin, pl Platform, archive string, env osArch, root *string) ([]string, error) {
	data, err := os.ReadFile(archive)
	if err != nil {
		return nil, fmt.Errorf("failed to obtain plugin archive: %w", err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != pl.Sha256 {
		return nil, fmt.Errorf("checksum does not match, want: %s, got %s", pl.Sha256, got)
	}
	staging, err := os.MkdirTemp("", "krewcheck-downloads")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)
	if err := extractArchive(staging, data); err != nil {
		return nil, fmt.Errorf("failed to unpack the plugin archive: %w", err)
	}
	files := pl.Files
	if files == nil {
		files = []FileOperation{{From: "*", To: "."}}
	}
	moved, err := os.MkdirTemp("", "krewcheck-move")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(moved)
	for _, fo := range files {
		if err := moveFiles(staging, moved, fo); err != nil {
			return nil, err
		}
	}
	bin := filepath.Join(moved, filepath.FromSlash(pl.Bin))
	if !isSubPath(moved, bin) {
		return nil, fmt.Errorf("bin %q is outside the installation directory", pl.Bin)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return nil, fmt.Errorf("source binary (%q) cannot be found in extracted archive: %w", pl.Bin, err)
	}
	if env.OS != "windows" && fi.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("bin %q is not executable (mode %s)", pl.Bin, fi.Mode())
	}
	var out []string
	_ = filepath.Walk(moved, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			rel, _ := filepath.Rel(moved, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	if root == nil {
		return out, nil
	}
	installDir := filepath.Join(*root, "store", p.Name, p.Spec.Version)
	if err := os.MkdirAll(filepath.Dir(installDir), 0o755); err != nil {
		return nil, err
	}
	_ = os.RemoveAll(installDir)
	if err := copyTree(moved, installDir); err != nil {
		return nil, err
	}
	binDir := filepath.Join(*root, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return nil, err
	}
	link := filepath.Join(binDir, pluginNameToBin(p.Name, env.OS == "windows"))
	if err := removeLink(link); err != nil {
		return nil, err
	}
	if err := os.Symlink(filepath.Join(installDir, filepath.FromSlash(pl.Bin)), link); err != nil {
		return nil, fmt.Errorf("failed to link installed plugin: %w", err)
	}
	return out, nil
}

func pluginNameToBin(name string, windows bool) string {
	n := "kubectl-" + strings.ReplaceAll(name, "-", "_")
	if windows {
		n += ".exe"
	}
	return n
}

func removeLink(p string) error {
	fi, err := os.Lstat(p)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("file %q is not a symlink (mode=%s)", p, fi.Mode())
	}
	return os.Remove(p)
}

func isSubPath(base, p string) bool {
	rel, err := filepath.Rel(base, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// moveFiles is Krew's file operation: a direct move when From names a file,
// else a glob whose matches go into the directory To.
func moveFiles(fromDir, toDir string, fo FileOperation) error {
	if fo.To != filepath.Clean(fo.To) {
		return fmt.Errorf("the provided path is not clean, %q should be %q", fo.To, filepath.Clean(fo.To))
	}
	direct := filepath.Clean(filepath.Join(fromDir, fo.From))
	if _, err := os.Stat(direct); err == nil {
		to := fo.To
		if filepath.Clean(to) == "." {
			to = filepath.Base(direct)
		}
		dst := filepath.Join(toDir, filepath.FromSlash(to))
		if !isSubPath(fromDir, direct) || !isSubPath(toDir, dst) {
			return fmt.Errorf("can't move %q to %q: out of bounds", fo.From, fo.To)
		}
		return rename(direct, dst)
	}
	matches, err := filepath.Glob(filepath.Join(fromDir, filepath.FromSlash(fo.From)))
	if err != nil {
		return err
	}
	if len(matches) == 0 {
		return fmt.Errorf("no files in the plugin archive matched the glob pattern=%s", fo.From)
	}
	newDir := filepath.Join(toDir, filepath.FromSlash(fo.To))
	for _, m := range matches {
		dst := filepath.Join(newDir, filepath.Base(m))
		if !isSubPath(fromDir, m) || !isSubPath(toDir, dst) {
			return fmt.Errorf("can't move %q to %q: out of bounds", m, dst)
		}
		if err := rename(m, dst); err != nil {
			return err
		}
	}
	return nil
}

func rename(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.Rename(from, to)
}

func copyTree(from, to string) error {
	return filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, info.Mode().Perm())
	})
}

// extractArchive is Krew's: the archive type comes from its content
// (zip or gzip), and suspicious paths are refused.
func extractArchive(dst string, data []byte) error {
	switch t := strings.Split(http.DetectContentType(data), ";")[0]; t {
	case "application/zip":
		return extractZIP(dst, data)
	case "application/x-gzip":
		return extractTARGZ(dst, data)
	default:
		return fmt.Errorf("mime type %q for archive file is not a supported archive format", t)
	}
}

func suspiciousPath(p string) error {
	if strings.Contains(p, "..") {
		return fmt.Errorf("refusing to unpack archive with suspicious entry %q", p)
	}
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return fmt.Errorf("refusing to unpack archive with absolute entry %q", p)
	}
	return nil
}

func extractZIP(dst string, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		if err := suspiciousPath(f.Name); err != nil {
			return err
		}
		p := filepath.Join(dst, filepath.FromSlash(f.Name))
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		err = writeFile(p, rc, f.Mode())
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func extractTARGZ(dst string, data []byte) error {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar extraction error: %w", err)
		}
		if hdr.Name == "pax_global_header" {
			continue
		}
		if err := suspiciousPath(hdr.Name); err != nil {
			return err
		}
		p := filepath.Join(dst, filepath.FromSlash(hdr.Name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := writeFile(p, tr, os.FileMode(hdr.Mode)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unable to handle file type %d for %q in tar", hdr.Typeflag, hdr.Name)
		}
	}
}

func writeFile(p string, r io.Reader, mode os.FileMode) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode.Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func hasLicense(files []string) bool {
	for _, f := range files {
		switch strings.ToLower(path.Base(f)) {
		case "license", "license.txt", "license.md", "licenses", "licenses.txt", "licenses.md", "copying", "copying.txt":
			return true
		}
	}
	return false
}

func cmdUninstall(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: krewcheck uninstall NAME")
	}
	name := args[0]
	root, err := krewRoot()
	if err != nil {
		return err
	}
	receipt := filepath.Join(root, "receipts", name+".yaml")
	if _, err := os.Stat(receipt); err != nil {
		return fmt.Errorf("plugin %q is not installed", name)
	}
	if err := removeLink(filepath.Join(root, "bin", pluginNameToBin(name, currentPlatform().OS == "windows"))); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(root, "store", name)); err != nil {
		return err
	}
	if err := os.Remove(receipt); err != nil {
		return err
	}
	fmt.Printf("Uninstalled plugin: %s (krewcheck stand-in for Krew)\n", name)
	return nil
}

func sha256File(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
