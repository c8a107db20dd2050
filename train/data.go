package train

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"unicode/utf8"
)

// ReadText reads the training text at path: a file, a folder (every text
// file below it, recursively, in lexical order, skipping hidden entries and
// files that are not UTF-8 text) or a glob pattern (filepath.Match syntax;
// matched files in lexical order, matched folders read as folders). Files
// are joined with a newline between them when one does not end in one. It
// returns the text and the files read, or an error naming the path or
// pattern when nothing could be read.
func ReadText(path string) (string, []string, error) {
	if path == "" {
		return "", nil, fmt.Errorf("no data path given")
	}
	var files []string
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			list, err := textFiles(path)
			if err != nil {
				return "", nil, err
			}
			if len(list) == 0 {
				return "", nil, fmt.Errorf("data folder %s holds no text files", path)
			}
			files = list
		} else {
			files = []string{path}
		}
	} else if strings.ContainsAny(path, "*?[") {
		matches, gerr := filepath.Glob(path)
		if gerr != nil {
			return "", nil, fmt.Errorf("data pattern %q: %w", path, gerr)
		}
		slices.Sort(matches)
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				return "", nil, fmt.Errorf("data: %w", err)
			}
			if st.IsDir() {
				list, err := textFiles(m)
				if err != nil {
					return "", nil, err
				}
				files = append(files, list...)
			} else {
				files = append(files, m)
			}
		}
		if len(files) == 0 {
			return "", nil, fmt.Errorf("data pattern %q matches no files", path)
		}
	} else {
		return "", nil, fmt.Errorf("data: %w", err)
	}
	var buf bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", nil, fmt.Errorf("data: %w", err)
		}
		if !utf8.Valid(b) {
			return "", nil, fmt.Errorf("data file %s is not UTF-8 text", f)
		}
		buf.Write(b)
		if len(b) > 0 && b[len(b)-1] != '\n' && len(files) > 1 {
			buf.WriteByte('\n')
		}
	}
	if buf.Len() == 0 {
		return "", nil, fmt.Errorf("data %s is empty", path)
	}
	return buf.String(), files, nil
}

// textFiles lists the UTF-8 text files under dir in lexical order,
// skipping hidden files and folders (names starting with ".").
func textFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("data folder %s: %w", dir, err)
		}
		name := d.Name()
		if p != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if isText(p) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// isText reports whether the file's first 8 KiB hold no NUL byte and are
// valid UTF-8 (allowing a rune cut at the end of the sample).
func isText(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 8192)
	n, _ := f.Read(b)
	b = b[:n]
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	// The sample may end inside a rune: allow up to UTFMax-1 cut bytes.
	for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// GoRoot returns the Go installation's root folder: $GOROOT if set, else
// what `go env GOROOT` prints, else the root this binary was built with.
// It returns an error if none of them holds a src folder.
func GoRoot() (string, error) {
	var tried []string
	try := func(d string) bool {
		d = strings.TrimSpace(d)
		if d == "" {
			return false
		}
		tried = append(tried, d)
		st, err := os.Stat(filepath.Join(d, "src"))
		return err == nil && st.IsDir()
	}
	if d := os.Getenv("GOROOT"); try(d) {
		return strings.TrimSpace(d), nil
	}
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil && try(string(out)) {
		return strings.TrimSpace(string(out)), nil
	}
	if d := runtime.GOROOT(); try(d) { //nolint:staticcheck // fallback when no go command is on PATH
		return d, nil
	}
	return "", fmt.Errorf("cannot find the Go source tree (tried %q); pass --data with your own text", tried)
}

// GoSource returns a corpus of Go code from the standard library under
// goroot: the .go files of src/, without tests, testdata, vendored code,
// the cmd tree and generated files, at most maxBytes of them. When there
// is more than that, a fixed pseudo-random choice of whole files is kept,
// so the corpus is the same on every run with the same Go release; the
// files appear in lexical order.
func GoSource(goroot string, maxBytes int) (string, []string, error) {
	src := filepath.Join(goroot, "src")
	type file struct {
		path string
		size int
	}
	var all []file
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != src && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || p == filepath.Join(src, "cmd")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > 64<<10 { // big files are mostly tables
			return nil
		}
		all = append(all, file{p, int(info.Size())})
		return nil
	})
	if err != nil {
		return "", nil, fmt.Errorf("go source under %s: %w", src, err)
	}
	// A fixed shuffle, then whole files until the budget is spent.
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var chosen []string
	total := 0
	for _, f := range all {
		if total+f.size > maxBytes {
			continue
		}
		b, err := os.ReadFile(f.path)
		if err != nil || !utf8.Valid(b) || bytes.Contains(b[:min(len(b), 1024)], []byte("Code generated")) {
			continue
		}
		chosen = append(chosen, f.path)
		total += f.size
	}
	if len(chosen) == 0 {
		return "", nil, fmt.Errorf("no Go source files found under %s", src)
	}
	slices.Sort(chosen)
	var buf strings.Builder
	for _, p := range chosen {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", nil, fmt.Errorf("go source: %w", err)
		}
		buf.Write(b)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			buf.WriteByte('\n')
		}
	}
	return buf.String(), chosen, nil
}

// Split cuts a token stream into training and validation parts as nanoGPT
// does: the first frac of the tokens train, the rest validate.
func Split(tokens []int, frac float64) (trainPart, valPart []int) {
	n := int(float64(len(tokens)) * frac)
	return tokens[:n], tokens[n:]
}
