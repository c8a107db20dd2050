package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golemml/golem/tokenizer"
	"github.com/spf13/cobra"
)

var tokenizerCmd = &cobra.Command{
	Use:   "tokenizer",
	Short: "Train and inspect tokenizers",
}

var tokTrainFlags struct {
	data      string
	vocabSize int
	out       string
}

var tokenizerTrainCmd = &cobra.Command{
	Use:   "train",
	Short: "Train a GPT-2 style byte-level BPE tokenizer on text files",
	Long: `Train learns a byte-level BPE with GPT-2's pre-tokenization from the text
in --data and writes vocab.json and merges.txt (Hugging Face's names and
formats, loadable by golem and by GPT-2 tokenizers elsewhere) into --out.

--data is a file, a folder (every regular file below it, recursively,
skipping folders whose names start with "."), or a glob pattern. Files
that are not text (not valid UTF-8, or holding NUL bytes) are skipped and
counted. The vocabulary holds the 256 byte tokens, the learned merges and
"<|endoftext|>" as the last id; on a small corpus training can run out of
pairs before --vocab-size, and the vocabulary is then smaller.`,
	Example: `  golem tokenizer train --data ../shared/data/tinyshakespeare/input.txt --vocab-size 1000 --out tok
  golem tokenizer train --data 'corpus/*.txt' --vocab-size 8192 --out tok`,
	Args: cobra.NoArgs,
	RunE: runTokenizerTrain,
}

var tokEncodeFlags struct {
	dir, text, file string
	special         bool
}

var tokenizerEncodeCmd = &cobra.Command{
	Use:   "encode",
	Short: "Show the token ids and pieces of a text",
	Long: `Encode loads the tokenizer in --dir (vocab.json + merges.txt,
encoder.json + vocab.bpe, or vocab_char.json) and prints the ids of --text
(or of the file --file), then each token's text, quoted.`,
	Example: `  golem tokenizer encode --dir ../shared/data/gpt2-tokenizer --text "Hello world"`,
	Args:    cobra.NoArgs,
	RunE:    runTokenizerEncode,
}

func runTokenizerEncode(cmd *cobra.Command, _ []string) error {
	fl := &tokEncodeFlags
	if fl.dir == "" {
		return errors.New("--dir is required (a folder with tokenizer files)")
	}
	text := fl.text
	if fl.file != "" {
		if fl.text != "" {
			return errors.New("--text and --file both given; use one")
		}
		b, err := os.ReadFile(fl.file)
		if err != nil {
			return fmt.Errorf("--file: %w", err)
		}
		text = string(b)
	}
	tok, err := tokenizer.Load(fl.dir)
	if err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	var ids []int
	if b, ok := tok.(*tokenizer.BPE); ok && fl.special {
		ids = b.EncodeWithSpecial(text)
	} else {
		ids = tok.Encode(text)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%d tokens (vocabulary %d): %v\n", len(ids), tok.VocabSize(), ids)
	pieces := make([]string, len(ids))
	for i, id := range ids {
		pieces[i] = strconv.Quote(tok.Decode([]int{id}))
	}
	fmt.Fprintln(w, strings.Join(pieces, " "))
	return nil
}

func init() {
	f := tokenizerEncodeCmd.Flags()
	f.StringVar(&tokEncodeFlags.dir, "dir", "", "folder with the tokenizer files (required)")
	f.StringVar(&tokEncodeFlags.text, "text", "", "text to encode")
	f.StringVar(&tokEncodeFlags.file, "file", "", "encode this file's contents instead")
	f.BoolVar(&tokEncodeFlags.special, "special", false, "map literal <|endoftext|> to its id (BPE)")
	tokenizerCmd.AddCommand(tokenizerEncodeCmd)
}

func init() {
	f := tokenizerTrainCmd.Flags()
	f.StringVar(&tokTrainFlags.data, "data", "", "text to train on: file, folder or glob (required)")
	f.IntVar(&tokTrainFlags.vocabSize, "vocab-size", 0, "number of token ids, at least 257 (required)")
	f.StringVar(&tokTrainFlags.out, "out", "", "folder to write vocab.json and merges.txt into, created if needed (required)")
	tokenizerCmd.AddCommand(tokenizerTrainCmd)
	rootCmd.AddCommand(tokenizerCmd)
}

func runTokenizerTrain(cmd *cobra.Command, _ []string) error {
	fl := &tokTrainFlags
	if fl.data == "" {
		return errors.New("--data is required (a text file, folder or glob)")
	}
	if fl.out == "" {
		return errors.New("--out is required (the folder for vocab.json and merges.txt)")
	}
	if fl.vocabSize < 257 {
		return fmt.Errorf("--vocab-size %d: want at least 257 (256 byte tokens and <|endoftext|>)", fl.vocabSize)
	}
	files, err := tokDataFiles(fl.data)
	if err != nil {
		return err
	}
	start := time.Now()
	tr := tokenizer.NewBPETrainer()
	var used []string
	var skipped []string
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("--data: %w", err)
		}
		if !tokIsText(data) {
			skipped = append(skipped, path)
			continue
		}
		tr.Add(string(data))
		used = append(used, path)
	}
	if len(used) == 0 {
		return fmt.Errorf("--data %s: none of the %d files is text (valid UTF-8 without NUL bytes)", fl.data, len(files))
	}
	if tr.Bytes() == 0 {
		return fmt.Errorf("--data %s: the text files are empty", fl.data)
	}
	tok, err := tr.Train(fl.vocabSize)
	if err != nil {
		return err
	}
	took := time.Since(start)
	if err := os.MkdirAll(fl.out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := tok.Save(fl.out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}

	// Compression on the training text, one file at a time.
	var nTok int64
	for _, path := range used {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("--data: %w", err)
		}
		nTok += int64(len(tok.Encode(string(data))))
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "trained byte-level BPE on %d file(s), %d bytes, in %.2fs\n", len(used), tr.Bytes(), took.Seconds())
	if len(skipped) > 0 {
		show := skipped
		if len(show) > 3 {
			show = show[:3]
		}
		fmt.Fprintf(w, "skipped %d file(s) that are not text: %s", len(skipped), strings.Join(show, ", "))
		if len(skipped) > len(show) {
			fmt.Fprint(w, ", ...")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "vocabulary: %d ids (%d merges), <|endoftext|> = %d\n", tok.VocabSize(), len(tok.Merges()), tok.EOT())
	if tok.VocabSize() < fl.vocabSize {
		fmt.Fprintf(w, "note: the text ran out of pairs to merge before %d ids\n", fl.vocabSize)
	}
	fmt.Fprintf(w, "on the training text: %d tokens, %.2f bytes/token\n", nTok, float64(tr.Bytes())/float64(max(nTok, 1)))
	fmt.Fprintf(w, "wrote %s and %s\n", filepath.Join(fl.out, tokenizer.HFVocabFile), filepath.Join(fl.out, tokenizer.HFMergesFile))
	return nil
}

// tokDataFiles expands --data: a file, a folder (recursively) or a glob.
// The list is sorted so that training is reproducible.
func tokDataFiles(spec string) ([]string, error) {
	var roots []string
	if _, err := os.Stat(spec); err == nil {
		roots = []string{spec}
	} else if strings.ContainsAny(spec, "*?[") {
		m, gerr := filepath.Glob(spec)
		if gerr != nil {
			return nil, fmt.Errorf("--data %s: %w", spec, gerr)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("--data %s: no files match", spec)
		}
		roots = m
	} else {
		return nil, fmt.Errorf("--data: %w", err)
	}
	var files []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			} else if d.Type()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("--data: %w", err)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("--data %s: no regular files found", spec)
	}
	sort.Strings(files)
	return files, nil
}

// tokIsText reports whether data looks like text: valid UTF-8, no NUL.
func tokIsText(data []byte) bool {
	return utf8.Valid(data) && bytes.IndexByte(data, 0) < 0
}
