package benchmarks

// Info describes one benchmark, as `controls` lists it.
type Info struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Family  string `json:"family"`
	Version string `json:"version"`
	// Kubernetes is the range of Kubernetes versions the benchmark was
	// written for, e.g. "1.34-1.35" or "1.31+".
	Kubernetes string `json:"kubernetes"`
	// KubernetesSource says where the range comes from.
	KubernetesSource string `json:"kubernetesSource"`
	Platform         string `json:"platform,omitempty"`
	// Default is true when scan, rbac, workloads and all may choose the
	// benchmark from the server version.
	Default bool `json:"default"`
	// Newest is true for the newest edition of its family, the one the
	// family name (e.g. --benchmark stig) stands for.
	Newest   bool `json:"newest"`
	Controls int  `json:"controls"`
}

// List describes every benchmark.
func List() []Info {
	l := []Info{}
	for _, b := range All() {
		newest, _ := Newest(b.Family)
		l = append(l, Info{
			ID: b.ID, Title: b.Title, Family: b.Family, Version: b.Version,
			Kubernetes: b.Kubernetes.String(), KubernetesSource: b.Kubernetes.Source, Platform: b.Platform,
			Default: b.Default, Newest: newest != nil && newest.ID == b.ID, Controls: len(b.Controls),
		})
	}
	return l
}
