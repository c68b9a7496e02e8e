package view

// The councils a framework's lead chooses members from: the DfE three-digit
// LA codes of the North West's councils with children's services, the
// Greater Manchester ten first. A member council outside the list is shown
// by its code, and the lead can add it by code.
var frameworkCouncils = [][2]string{
	{"350", "Bolton"}, {"351", "Bury"}, {"352", "Manchester"}, {"353", "Oldham"}, {"354", "Rochdale"},
	{"355", "Salford"}, {"356", "Stockport"}, {"357", "Tameside"}, {"358", "Trafford"}, {"359", "Wigan"},
	{"340", "Knowsley"}, {"341", "Liverpool"}, {"342", "St Helens"}, {"343", "Sefton"}, {"344", "Wirral"},
	{"876", "Halton"}, {"877", "Warrington"}, {"888", "Lancashire"}, {"889", "Blackburn with Darwen"},
	{"890", "Blackpool"}, {"895", "Cheshire East"}, {"896", "Cheshire West and Chester"},
}

// FrameworkCouncil names a council by its LA code: "355 Salford", or
// "Council 999" for a code the list does not hold.
func FrameworkCouncil(code string) string {
	for _, c := range frameworkCouncils {
		if c[0] == code {
			return c[0] + " " + c[1]
		}
	}
	return "Council " + code
}

// FrameworkCouncilOptions are the listed councils as checkbox or select
// options, by LA code.
func FrameworkCouncilOptions() []Option {
	out := make([]Option, len(frameworkCouncils))
	for i, c := range frameworkCouncils {
		out[i] = Option{Value: c[0], Text: c[1] + " (" + c[0] + ")"}
	}
	return out
}

// KnownCouncil reports whether the list holds the code.
func KnownCouncil(code string) bool {
	for _, c := range frameworkCouncils {
		if c[0] == code {
			return true
		}
	}
	return false
}
