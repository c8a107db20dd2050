package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/spf13/cobra"

	"github.com/golemml/golem/gpt"
)

var scoreFlags struct {
	model, text string
	json        bool
	stride      int
}

var scoreCmd = &cobra.Command{
	Use:   "score",
	Short: "Mean negative log-likelihood and perplexity of a text under a model",
	Long: `Score prints the mean negative log-likelihood (nats per token) and the
perplexity exp(nll) of the text in --text under the model in --model.

Texts longer than the model's context are scored with Hugging Face's
sliding-window recipe: windows of block_size tokens that start every
stride tokens (default block_size/2); each token is scored once, in the
first window that reaches it, so it sees as much context as that window
gives. Every token after the first is scored; with a tokenizer that has an
end-of-text token (GPT-2's), that token is put before the text so the
first token is scored too. --text - reads standard input.`,
	Example: `  golem score --model runs/quickstart --text main.go
  golem score --model out/shakespeare --text ../shared/data/tinyshakespeare/input.txt --json`,
	Args: cobra.NoArgs,
	RunE: runScore,
}

func init() {
	f := scoreCmd.Flags()
	f.StringVar(&scoreFlags.model, "model", "", "model folder (required)")
	f.StringVar(&scoreFlags.text, "text", "", "file with the text to score (required; - for standard input)")
	f.BoolVar(&scoreFlags.json, "json", false, `print {"tokens":N,"nll":X,"ppl":Y}`)
	f.IntVar(&scoreFlags.stride, "stride", 0, "tokens between window starts (default block_size/2)")
	rootCmd.AddCommand(scoreCmd)
}

func runScore(cmd *cobra.Command, _ []string) error {
	sf := &scoreFlags
	if sf.text == "" {
		return fmt.Errorf("--text is required (a file, or - for standard input)")
	}
	var b []byte
	var err error
	if sf.text == "-" {
		b, err = io.ReadAll(cmd.InOrStdin())
	} else {
		b, err = os.ReadFile(sf.text)
	}
	if err != nil {
		return fmt.Errorf("--text: %w", err)
	}
	m, tok, err := loadModel("--model", sf.model)
	if err != nil {
		return err
	}
	ids := encodeWarn(cmd.ErrOrStderr(), tok, string(b), "--text "+sf.text)
	if e := eotOf(tok); e >= 0 {
		ids = append([]int{e}, ids...)
	}
	if len(ids) < 2 {
		return fmt.Errorf("--text %s: %d tokens; at least 2 are needed to score one", sf.text, len(ids))
	}
	stride := sf.stride
	if stride == 0 {
		stride = max(1, m.Config.BlockSize/2)
	}
	if stride < 1 || stride > m.Config.BlockSize {
		return fmt.Errorf("--stride %d must be in [1, block_size=%d]", stride, m.Config.BlockSize)
	}
	nll, n := scoreTokens(m, ids, stride)
	mean := nll / float64(n)
	out := cmd.OutOrStdout()
	if sf.json {
		return json.NewEncoder(out).Encode(struct {
			Tokens int     `json:"tokens"`
			NLL    float64 `json:"nll"`
			PPL    float64 `json:"ppl"`
		}{n, mean, math.Exp(mean)})
	}
	fmt.Fprintf(out, "tokens %d  nll %.4f nats/token  ppl %.3f\n", n, mean, math.Exp(mean))
	return nil
}

// scoreTokens returns the summed negative log-likelihood of ids[1:] and
// their count, scoring with windows of at most BlockSize input tokens
// starting every stride tokens. The window starting at b feeds ids[b:e]
// and predicts ids[b+1:e+1]; only targets that no earlier window scored
// count, so each token is scored once, with the context of the first
// window that reaches it. Windows of the same length run together, up to
// scoreBatch at a time.
func scoreTokens(m *gpt.Model, ids []int, stride int) (nll float64, n int) {
	m.SetTraining(false)
	T := m.Config.BlockSize
	last := len(ids) - 1 // the last input position that has a target
	type window struct{ b, e, next int }
	var wins []window
	next := 1 // the first target not yet scored
	for b := 0; ; b += stride {
		e := min(b+T, last)
		if e+1 > next {
			wins = append(wins, window{b, e, next})
		}
		next = e + 1
		if e == last {
			break
		}
	}
	var x, y []int
	for i := 0; i < len(wins); {
		W := wins[i].e - wins[i].b
		j := i
		x, y = x[:0], y[:0]
		count := 0
		for ; j < len(wins) && j-i < scoreBatch && wins[j].e-wins[j].b == W; j++ {
			w := wins[j]
			x = append(x, ids[w.b:w.e]...)
			for k := w.b + 1; k <= w.e; k++ {
				if k >= w.next {
					y = append(y, ids[k])
				} else {
					y = append(y, -1)
				}
			}
			count += w.e + 1 - w.next
		}
		loss := m.Forward(x, j-i, W, y)
		nll += float64(loss) * float64(count)
		n += count
		i = j
	}
	return nll, n
}

// scoreBatch is how many windows score's forward pass takes at once.
const scoreBatch = 16
