package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// HFTokenizerFile is Hugging Face's single-file tokenizer (the tokenizers
// library's JSON), which Load and LoadBPE read when a folder has neither
// vocab.json + merges.txt nor encoder.json + vocab.bpe.
const HFTokenizerFile = "tokenizer.json"

// ParseTokenizerJSON builds a BPE from a Hugging Face tokenizer.json that
// describes GPT-2's tokenizer: a BPE model with the byte-level
// pre-tokenizer (GPT-2's regex, no prefix space), no normalizer, and added
// tokens (such as "<|endoftext|>") either in the vocabulary under the same
// id or appended after it. A tokenizer.json of any other kind is an error
// naming the part that differs, since encoding it as GPT-2 would silently
// give other ids. Merges may be "a b" strings or ["a", "b"] pairs (newer
// files). The name is used in errors only.
func ParseTokenizerJSON(name string, data []byte) (*BPE, error) {
	var f struct {
		AddedTokens []struct {
			ID      *int   `json:"id"`
			Content string `json:"content"`
		} `json:"added_tokens"`
		Normalizer   json.RawMessage `json:"normalizer"`
		PreTokenizer *struct {
			Type           string `json:"type"`
			AddPrefixSpace bool   `json:"add_prefix_space"`
			UseRegex       *bool  `json:"use_regex"`
		} `json:"pre_tokenizer"`
		Model *struct {
			Type                    string            `json:"type"`
			Dropout                 *float64          `json:"dropout"`
			ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
			EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
			ByteFallback            bool              `json:"byte_fallback"`
			Vocab                   json.RawMessage   `json:"vocab"`
			Merges                  []json.RawMessage `json:"merges"`
		} `json:"model"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset-1)
			return nil, fmt.Errorf("%s:%d:%d: %v", name, line, col, se)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	m := f.Model
	switch {
	case m == nil:
		return nil, fmt.Errorf("%s: no \"model\"", name)
	case m.Type != "" && m.Type != "BPE":
		return nil, fmt.Errorf("%s: model type %q, not GPT-2's byte-level BPE", name, m.Type)
	case m.Dropout != nil && *m.Dropout != 0:
		return nil, fmt.Errorf("%s: BPE dropout %v: GPT-2's BPE is deterministic", name, *m.Dropout)
	case m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "",
		m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "":
		return nil, fmt.Errorf("%s: BPE with subword prefixes or suffixes, not GPT-2's byte-level BPE", name)
	case m.ByteFallback:
		return nil, fmt.Errorf("%s: BPE with byte_fallback, not GPT-2's byte-level BPE", name)
	case len(bytes.TrimSpace(f.Normalizer)) > 0 && string(bytes.TrimSpace(f.Normalizer)) != "null":
		return nil, fmt.Errorf("%s: a normalizer (%.60s): GPT-2's tokenizer has none", name, f.Normalizer)
	case f.PreTokenizer == nil || f.PreTokenizer.Type != "ByteLevel":
		what := "none"
		if f.PreTokenizer != nil {
			what = fmt.Sprintf("%q", f.PreTokenizer.Type)
		}
		return nil, fmt.Errorf("%s: pre_tokenizer %s, want GPT-2's \"ByteLevel\"", name, what)
	case f.PreTokenizer.AddPrefixSpace:
		return nil, fmt.Errorf("%s: the ByteLevel pre_tokenizer adds a prefix space, which GPT-2's does not", name)
	case f.PreTokenizer.UseRegex != nil && !*f.PreTokenizer.UseRegex:
		return nil, fmt.Errorf("%s: the ByteLevel pre_tokenizer does not split with GPT-2's regex (use_regex false)", name)
	}
	vname := name + ": model.vocab"
	enc, err := parseVocab(vname, m.Vocab)
	if err != nil {
		return nil, err
	}
	for _, a := range f.AddedTokens {
		if a.ID == nil || a.Content == "" {
			return nil, fmt.Errorf("%s: added_tokens: an entry without id or content", name)
		}
		if id, ok := enc[a.Content]; ok {
			if id != *a.ID {
				return nil, fmt.Errorf("%s: added token %q has id %d, but the vocabulary gives it %d", name, a.Content, *a.ID, id)
			}
			continue
		}
		enc[a.Content] = *a.ID
	}
	merges := make([][2]string, len(m.Merges))
	for i, raw := range m.Merges {
		var s string
		var pair []string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			a, b, ok := strings.Cut(s, " ")
			if !ok || a == "" || b == "" || strings.Contains(b, " ") {
				return nil, fmt.Errorf("%s: model.merges[%d] %q: want two tokens separated by a space", name, i, s)
			}
			merges[i] = [2]string{a, b}
		case json.Unmarshal(raw, &pair) == nil && len(pair) == 2:
			merges[i] = [2]string{pair[0], pair[1]}
		default:
			return nil, fmt.Errorf("%s: model.merges[%d] is %.40s, want \"a b\" or [\"a\", \"b\"]", name, i, raw)
		}
	}
	b, err := newBPE(enc, merges, func(i int) string { return fmt.Sprintf("%s: model.merges[%d]", name, i) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}
