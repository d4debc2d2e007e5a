package format

import (
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"
)

// PrintManifests prints the objects a command would create (cronjob, scan
// --dry-run=client) as kubectl does: -o yaml and -o json as one v1 List
// with cli-runtime's printers, the table (an empty output) as one line per
// object, "kind/name created (dry run)". Each object must carry its
// apiVersion and kind.
func PrintManifests(objs []runtime.Object, output string, out io.Writer) error {
	switch output {
	case "yaml", "json":
		list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
		for _, obj := range objs {
			list.Items = append(list.Items, runtime.RawExtension{Object: obj})
		}
		var p printers.ResourcePrinter = &printers.YAMLPrinter{}
		if output == "json" {
			p = &printers.JSONPrinter{}
		}
		return p.PrintObj(list, out)
	case "":
		for _, obj := range objs {
			m, err := meta.Accessor(obj)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s/%s created (dry run)\n", strings.ToLower(obj.GetObjectKind().GroupVersionKind().Kind), m.GetName())
		}
		return nil
	}
	return fmt.Errorf("-o %s cannot print manifests: use yaml or json", output)
}
