package serve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
)

// TemplateFile is the name of a model folder's chat template file.
const TemplateFile = "chat_template.txt"

// Template turns chat messages into a prompt for a language model.
type Template struct {
	// Name says where the template came from (for logs).
	Name string
	tmpl *template.Template
	// Stop strings end a chat reply in addition to the request's own (they
	// keep a base model from writing the user's next turn).
	Stop []string
}

// TemplateData is what a chat template is executed with.
type TemplateData struct {
	Messages []Message
	// AddGenerationPrompt is always true: the prompt must end where the
	// assistant's reply starts.
	AddGenerationPrompt bool
}

// defaultTemplateText is DefaultTemplate's source; doc.go shows its output.
const defaultTemplateText = `{{range .Messages}}{{role .Role}}: {{trim .Content}}
{{end}}Assistant:{{define "stop"}}"\nUser:"
"\nSystem:"{{end}}`

// DefaultTemplate is the chat template for base models: each message is a
// line "Role: content" (System, User, Assistant, Tool; developer counts as
// System; content trimmed of surrounding space) and the prompt ends with
// "Assistant:". Replies stop at "\nUser:"
// and "\nSystem:".
func DefaultTemplate() *Template {
	t, err := ParseTemplate("default", defaultTemplateText)
	if err != nil {
		panic(err)
	}
	return t
}

// templateFuncs are the functions a chat template may call.
var templateFuncs = template.FuncMap{
	// role maps an API role to its display name: system and developer →
	// System, user → User, assistant → Assistant, tool and function → Tool.
	"role": func(r string) string {
		switch r {
		case "system", "developer":
			return "System"
		case "user":
			return "User"
		case "assistant":
			return "Assistant"
		}
		return "Tool"
	},
	"trim":  strings.TrimSpace,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
}

// ParseTemplate parses a chat template in Go's text/template syntax (see the
// package documentation). A {{define "stop"}} block, if present, lists stop
// strings, one Go-quoted string per line.
func ParseTemplate(name, text string) (*Template, error) {
	tm, err := template.New(name).Funcs(templateFuncs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("chat template %s: %w", name, err)
	}
	t := &Template{Name: name, tmpl: tm}
	if st := tm.Lookup("stop"); st != nil {
		var buf bytes.Buffer
		if err := st.Execute(&buf, nil); err != nil {
			return nil, fmt.Errorf("chat template %s: stop block: %w", name, err)
		}
		sc := bufio.NewScanner(&buf)
		for line := 1; sc.Scan(); line++ {
			l := strings.TrimSpace(sc.Text())
			if l == "" {
				continue
			}
			s, err := strconv.Unquote(l)
			if err != nil {
				return nil, fmt.Errorf("chat template %s: stop block line %d: %s is not a Go-quoted string", name, line, l)
			}
			if s != "" {
				t.Stop = append(t.Stop, s)
			}
		}
	}
	// Check the template runs on a typical conversation now, not per request.
	if _, err := t.Apply([]Message{{Role: "system", Content: "s"}, {Role: "user", Content: "u"}, {Role: "assistant", Content: "a"}}); err != nil {
		return nil, err
	}
	return t, nil
}

// LoadTemplate reads dir/chat_template.txt. It returns DefaultTemplate when
// the folder has no such file.
func LoadTemplate(dir string) (*Template, error) {
	path := filepath.Join(dir, TemplateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultTemplate(), nil
	}
	if err != nil {
		return nil, err
	}
	return ParseTemplate(path, string(b))
}

// Apply renders messages into a prompt.
func (t *Template) Apply(msgs []Message) (string, error) {
	var buf bytes.Buffer
	if err := t.tmpl.Execute(&buf, TemplateData{Messages: msgs, AddGenerationPrompt: true}); err != nil {
		return "", fmt.Errorf("chat template %s: %w", t.Name, err)
	}
	return buf.String(), nil
}
