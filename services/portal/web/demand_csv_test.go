package web

import (
	"net/http/httptest"
	"testing"

	"github.com/carecoop/carecoop/services/portal/view"
)

// A downloaded CSV cannot run a formula in a spreadsheet: text starting
// with = + - @ is made inert, while numbers (even negative gaps) stay
// numbers and a withheld figure stays [c].
func TestDemandCSVIsSafeInASpreadsheet(t *testing.T) {
	tb := view.DemandTable{Head: []string{"=Area", "Gap", "Note"}, Rows: []view.DemandRow{
		{Head: "@SUM(A1:A9)", Cells: []view.DemandCell{demNumber(-3), demText("=HYPERLINK(\"http://example.com\")")}},
		{Head: "M", Cells: []view.DemandCell{{Suppressed: true, Text: "[c]"}, demText("+1")}},
	}}
	w := httptest.NewRecorder()
	if err := demWriteCSV(w, "x.csv", tb); err != nil {
		t.Fatal(err)
	}
	want := "'=Area,Gap,Note\n'@SUM(A1:A9),-3,\"'=HYPERLINK(\"\"http://example.com\"\")\"\nM,[c],'+1\n"
	if got := w.Body.String(); got != want {
		t.Fatalf("CSV:\n%s\nwant:\n%s", got, want)
	}
	if w.Header().Get("Content-Disposition") != `attachment; filename="x.csv"` {
		t.Fatal(w.Header())
	}
}
