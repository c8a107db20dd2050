package serve

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStopper(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stops   []string
		pieces  []string
		out     []string // released after each piece
		stopped int      // index of the piece that hits a stop, -1 none
		final   string   // flush at the end when not stopped
	}{
		{"no stops", nil, []string{"ab", "c"}, []string{"ab", "c"}, -1, ""},
		{"hold prefix then release", []string{"END"}, []string{"aE", "N", "x"}, []string{"a", "", "ENx"}, -1, ""},
		{"stop across pieces", []string{"END"}, []string{"aE", "N", "Dzz"}, []string{"a", "", ""}, 2, ""},
		{"stop inside a piece", []string{"\nUser:"}, []string{"hi\nUser: more"}, []string{"hi"}, 0, ""},
		{"earliest stop wins", []string{"cd", "b"}, []string{"abcd"}, []string{"a"}, 0, ""},
		{"held text flushed at end", []string{"xyz"}, []string{"abx", "y"}, []string{"ab", ""}, -1, "xy"},
		{"longest held prefix", []string{"aab"}, []string{"aaa"}, []string{"a"}, -1, "aa"},
		{"multi-byte stop", []string{"é!"}, []string{"caf", "é", "?"}, []string{"caf", "", "é?"}, -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := stopper{stops: tc.stops}
			for i, p := range tc.pieces {
				out, stopped := st.add(p)
				if out != tc.out[i] {
					t.Errorf("piece %d %q: released %q, want %q", i, p, out, tc.out[i])
				}
				if stopped != (i == tc.stopped) {
					t.Errorf("piece %d: stopped = %v", i, stopped)
				}
				if stopped {
					return
				}
			}
			if got := st.flush(); got != tc.final {
				t.Errorf("flush = %q, want %q", got, tc.final)
			}
		})
	}
}

func TestDefaultTemplate(t *testing.T) {
	got, err := DefaultTemplate().Apply([]Message{
		{"developer", "Be terse."}, {"user", " Hello\n"}, {"assistant", "Hi."}, {"tool", "42"}, {"user", "Who?"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "System: Be terse.\nUser: Hello\nAssistant: Hi.\nTool: 42\nUser: Who?\nAssistant:"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if !reflect.DeepEqual(DefaultTemplate().Stop, []string{"\nUser:", "\nSystem:"}) {
		t.Errorf("stops %q", DefaultTemplate().Stop)
	}
}

func TestLoadTemplate(t *testing.T) {
	dir := t.TempDir()
	tm, err := LoadTemplate(dir)
	if err != nil || tm.Name != "default" {
		t.Fatalf("no file: got %v, %v; want the default template", tm, err)
	}
	chatml := "{{range .Messages}}<|im_start|>{{.Role}}\n{{.Content | trim}}<|im_end|>\n{{end}}" +
		"{{if .AddGenerationPrompt}}<|im_start|>assistant\n{{end}}" +
		"{{define \"stop\"}}\"<|im_end|>\"\n\n\"\\n<|im_start|>\"{{end}}"
	if err := os.WriteFile(filepath.Join(dir, TemplateFile), []byte(chatml), 0o644); err != nil {
		t.Fatal(err)
	}
	tm, err = LoadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tm.Apply([]Message{{"user", " hi "}})
	if want := "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !reflect.DeepEqual(tm.Stop, []string{"<|im_end|>", "\n<|im_start|>"}) {
		t.Errorf("stops %q", tm.Stop)
	}
	for _, bad := range []struct{ text, inErr string }{
		{"{{range .Messages}", "chat_template.txt"},
		{"{{.Nope}}", "Nope"},
		{"{{define \"stop\"}}<|im_end|>{{end}}x", "not a Go-quoted string"},
		{"{{nofunc .Messages}}", "nofunc"},
	} {
		os.WriteFile(filepath.Join(dir, TemplateFile), []byte(bad.text), 0o644)
		if _, err := LoadTemplate(dir); err == nil || !strings.Contains(err.Error(), bad.inErr) {
			t.Errorf("template %q: err = %v, want one mentioning %q", bad.text, err, bad.inErr)
		}
	}
}

func ExampleTemplate_Apply() {
	prompt, _ := DefaultTemplate().Apply([]Message{
		{Role: "system", Content: "You are terse."},
		{Role: "user", Content: "Hello"},
	})
	fmt.Println(prompt)
	// Output:
	// System: You are terse.
	// User: Hello
	// Assistant:
}
