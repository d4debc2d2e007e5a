package main

import (
	_ "k8s.io/api/core/v1"
	_ "k8s.io/apimachinery/pkg/apis/meta/v1"
	_ "k8s.io/cli-runtime/pkg/genericclioptions"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/kubectl/pkg/cmd/util"
	_ "github.com/spf13/cobra"
	_ "sigs.k8s.io/kind/pkg/cluster"
	_ "github.com/google/go-cmp/cmp"
	_ "sigs.k8s.io/yaml"
)

func main() {}
