// Package testenv finds the real datasets that tests read from
// ../shared/data beside the repository.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedData returns the path of ../shared/data/<elem...> next to the
// module root. When that path is absent the test is skipped with a message
// saying so, except under CI (the CI environment variable set), where the
// data must be present and the test fails instead.
func SharedData(t testing.TB, elem ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.mod above the test's folder")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "data"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared data %s is missing under CI: %v", p, err)
		}
		t.Skipf("shared data %s not found (needs ../shared/data beside the repository): %v", p, err)
	}
	return p
}
