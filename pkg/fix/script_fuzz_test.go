package fix

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// marker is put around every fuzzed value and after each of its newlines:
// wherever a piece of a value lands in a rendered script outside a quoted
// word, a heredoc body or a comment, the marker lands there too.
const marker = "KHX"

func mark(s string) string {
	return marker + strings.ReplaceAll(s, "\n", "\n"+marker) + marker
}

// markPath marks a path after its leading slash, so that a path the plan
// accepts stays one.
func markPath(s string) string {
	if rest, ok := strings.CutPrefix(s, "/"); ok {
		return "/" + mark(rest)
	}
	return mark(s)
}

// skeleton is the code of a POSIX sh script as our renderer writes it:
// the script without its single-quoted words, heredoc bodies and
// comments. Double-quoted text is kept (it is expanded). It returns
// ok=false for a quote left open.
func skeleton(script string) (string, bool) {
	var out strings.Builder
	var heredocs []string // delimiters whose bodies start after this line
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case c == '\\' && i+1 < len(script):
			out.WriteString(script[i : i+2])
			i++
		case c == '\'':
			end := strings.IndexByte(script[i+1:], '\'')
			if end < 0 {
				return out.String(), false
			}
			out.WriteString("''")
			i += 1 + end
		case c == '#' && (i == 0 || strings.IndexByte(" \t\n;", script[i-1]) >= 0):
			for i+1 < len(script) && script[i+1] != '\n' {
				i++
			}
		case c == '<' && strings.HasPrefix(script[i:], "<<'"):
			end := strings.IndexByte(script[i+3:], '\'')
			if end < 0 {
				return out.String(), false
			}
			heredocs = append(heredocs, script[i+3:i+3+end])
			out.WriteString("<<''")
			i += 3 + end
		case c == '\n':
			out.WriteByte(c)
			// Each heredoc's body runs to a line that is its delimiter.
			for _, d := range heredocs {
				for {
					nl := strings.IndexByte(script[i+1:], '\n')
					if nl < 0 {
						return out.String(), false
					}
					line := script[i+1 : i+1+nl]
					i += 1 + nl
					if line == d {
						break
					}
				}
			}
			heredocs = nil
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), len(heredocs) == 0
}

func TestSkeleton(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{"kh_set 'a b' 'c'\\''d'\n", "kh_set '' ''\\'''\n"},
		{"echo x # KHX\n", "echo x \n"},
		{"kh_write '/p' 0600 <<'KH_EOF'\nKHX\nKH_EOF\necho done\n", "kh_write '' 0600 <<''\necho done\n"},
		{"a='multi\nline'\n", "a=''\n"},
		{"echo ${x#KHX}\n", "echo ${x#KHX}\n"},
	} {
		got, ok := skeleton(tc.script)
		if !ok || got != tc.want {
			t.Errorf("skeleton(%q) = %q, %v; want %q", tc.script, got, ok, tc.want)
		}
	}
	if _, ok := skeleton("echo 'open\n"); ok {
		t.Error("an open quote was not reported")
	}
}

// FuzzScriptsQuoting renders a plan from a report whose node-supplied
// values (the node's name, its static pod manifest, kubelet config file
// and drop-in directory, the paths in its evidence) and whose source are
// hostile: none of their bytes may reach the scripts' code.
func FuzzScriptsQuoting(f *testing.F) {
	f.Add("node-1", "/etc/kubernetes/manifests/kube-apiserver.yaml", "/var/lib/kubelet/config.yaml", "", "/var/lib/kubelet/config.yaml", "before.json")
	f.Add("node-1", "/etc/k'; rm -rf /; '.yaml", "/var/lib/kubelet/$(id).yaml", "/etc/kubelet.d", "/x\nrm -rf /", "x\nrm -rf /\n")
	f.Add("node-1", "/etc/kubernetes/manifests/kube-apiserver.yaml", "/var/lib/kubelet/config.yaml", "/etc/kubernetes/kubelet.conf.d", "/var/lib/kubelet/config.yaml", "report.json\nid > /tmp/pwned\n")
	f.Add("n", "/m.yaml", "/k.yaml", "/d\nKH_EOF\nid", "/p`id`", "r.json # '\"")
	f.Fuzz(func(t *testing.T, node, manifest, kubelet, dropIns, obsPath, source string) {
		node = strings.ToLower(node)
		m := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: "cis-1.12", Source: mark(source)})
		tr := report.TargetReport{Kind: report.TargetNode, Name: node, Layout: &report.NodeLayout{
			Manifests:     map[string]string{"kube-apiserver": markPath(manifest)},
			KubeletConfig: markPath(kubelet), KubeletConfigDir: markPath(dropIns),
			KubeletFlags: []string{"config"},
		}}
		obs := report.Observation{Location: markPath(obsPath), Path: markPath(obsPath)}
		tr.Results = []report.Result{
			failOf(controlOf(t, "component.flag-false", map[string]string{"component": "kube-apiserver", "flag": "profiling"}), node),
			failOf(controlOf(t, "apiserver.strong-tls-ciphers", nil), node),
			failOf(controlOf(t, "kubelet.pod-pids-limit", nil), node),
			failOf(controlOf(t, "file.mode", map[string]string{"locate": "kubelet-config"}), node, obs),
			failOf(controlOf(t, "file.owner", map[string]string{"locate": "kubelet-config"}), node, obs),
		}
		m.AddTarget(tr)
		p, err := Generate(m, Options{})
		if err != nil {
			return
		}
		for name, text := range p.Files() {
			if !strings.HasSuffix(name, ".sh") {
				continue
			}
			code, ok := skeleton(strings.Replace(text, scriptLib, "", 1))
			if !ok {
				t.Fatalf("%s: a quote is left open:\n%s", name, text)
			}
			if strings.Contains(code, marker) {
				t.Fatalf("%s: a node-supplied value reaches the script's code:\n%s", name, code)
			}
		}
	})
}
