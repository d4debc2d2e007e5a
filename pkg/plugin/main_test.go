package plugin

import (
	"os"
	"testing"
)

// TestMain runs the tests without the environment variables that change
// the commands' defaults (the debug image and its pull policy), so that
// golden files and help texts are the same on every machine: CI and the
// e2e scripts set them where no registry is reachable.
func TestMain(m *testing.M) {
	for _, v := range []string{EnvDebugImage, EnvImagePullPolicy} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}
