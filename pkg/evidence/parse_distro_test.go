package evidence

import (
	"encoding/base64"
	"strings"
	"testing"
)

func argvRecord(args ...string) string {
	return "argv " + base64.StdEncoding.EncodeToString([]byte(strings.Join(args, "\x00")+"\x00"))
}

// Distribution records: a supervisor process and the arguments a
// distribution logged for an embedded component (the newest, first, wins).
func TestParseDistributionRecords(t *testing.T) {
	in := strings.Join([]string{
		FormatHeader,
		"proc supervisor:k3s 2226 host",
		argvRecord("/usr/local/bin/k3s", "server"),
		"logline kube-apiserver journal:k3s.service",
		argvRecord("kube-apiserver", "--anonymous-auth=false"),
		"logline kube-apiserver journal:k3s.service",
		argvRecord("kube-apiserver", "--anonymous-auth=true"),
		"#end 6",
	}, "\n") + "\n"
	n, err := Parse(strings.NewReader(in), "server-0")
	if err != nil {
		t.Fatal(err)
	}
	if s := n.Supervisors[SupervisorK3s]; s == nil || s.PID != 2226 || strings.Join(s.Args, " ") != "/usr/local/bin/k3s server" {
		t.Errorf("supervisor %+v", s)
	}
	if p := n.Logged[APIServer]; p == nil || p.Origin != "journal:k3s.service" || strings.Join(p.Args, " ") != "kube-apiserver --anonymous-auth=false" {
		t.Errorf("logged %+v", p)
	}
	if len(n.Processes) != 0 {
		t.Errorf("a supervisor or a log line is not a component process: %v", n.Processes)
	}
}

func TestParseDistributionRecordsBroken(t *testing.T) {
	for name, rec := range map[string]string{
		"unknown supervisor":        "proc supervisor:systemd 1 host\n" + argvRecord("x"),
		"supervisor bad pid":        "proc supervisor:k3s -1 host\n" + argvRecord("k3s"),
		"logline without source":    "logline kube-apiserver\n" + argvRecord("kube-apiserver"),
		"logline unknown component": "logline containerd journal:k3s\n" + argvRecord("containerd"),
		"env of a supervisor":       "proc supervisor:k3s 2 host\n" + argvRecord("k3s") + "\nenv ETCD_NAME eA==",
	} {
		t.Run(name, func(t *testing.T) {
			n := strings.Count(rec, "\n") + 1
			in := FormatHeader + "\n" + rec + "\n#end " + string(rune('0'+n)) + "\n"
			if _, err := Parse(strings.NewReader(in), "n"); err == nil {
				t.Errorf("parsed %q", rec)
			}
		})
	}
}
