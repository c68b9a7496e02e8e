package web

import (
	"slices"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
	"github.com/carecoop/carecoop/services/portal/view/chart"
)

// Block contracts: a consortium's lead or a council's commissioner reserves
// places with a provider and reads, week by week, how the places were used
// and what empty ones cost; the provider's admin accepts or declines. The
// purchasing service decides who may see and do what; these pages offer
// what it would allow.

var (
	blkReaders = []string{auth.ConsortiumLead, auth.CouncilCommissioner, auth.CouncilViewer, auth.ProviderAdmin, auth.ProviderResponder}
	blkBuyers  = []string{auth.ConsortiumLead, auth.CouncilCommissioner}
)

// blkRules are the rules a form can still break, in the person's words.
var blkRules = map[string]string{
	"purchasing.block_council_not_member":      "Your council is not a member of any dynamic purchasing system of that consortium.",
	"purchasing.block_contract_not_proposed":   "This reservation has already been answered.",
	"purchasing.block_term_over":               "The term of this reservation has ended.",
	"purchasing.block_contract_already_exists": "These places are already reserved.",
}

func (s *Server) blkRoutes() {
	s.page("GET /block-contracts", blkReaders, s.blkList)
	s.page("GET /block-contracts/new", blkBuyers, s.blkNew)
	s.page("POST /block-contracts/new", blkBuyers, s.blkReserve)
	s.page("GET /block-contracts/{id}", blkReaders, s.blkShow)
	s.page("POST /block-contracts/{id}/accept", providerAdmin, s.blkAccept)
	s.page("POST /block-contracts/{id}/decline", providerAdmin, s.blkDecline)
}

func (s *Server) blkClient() purchasingv1.BlockContractServiceClient {
	return purchasingv1.NewBlockContractServiceClient(s.cfg.Conns.Purchasing)
}

func (s *Server) blkList(q *rq) error {
	res, err := s.blkClient().ListBlockContracts(q.ctx, &purchasingv1.ListBlockContractsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	p := q.sess.Principal
	q.page.Title = "Block contracts"
	return q.render(view.BlkListPage(q.page, view.BlkList{Contracts: res.GetContracts(), Reserve: p.HasAnyRole(blkBuyers...),
		Provider: p.OrgKind() == auth.OrgProvider, Council: p.OrgKind() == auth.OrgCouncil}))
}

func (s *Server) blkShow(q *rq) error { return s.blkShowWith(q, nil, newRequestID()) }

func (s *Server) blkShowWith(q *rq, errs []view.FieldError, requestID string) error {
	id := q.r.PathValue("id")
	c, err := s.blkClient().GetBlockContract(q.ctx, &purchasingv1.GetBlockContractRequest{ContractId: id, MinPosition: q.at()})
	if err != nil {
		return blkNotFound(err)
	}
	use, err := s.blkClient().GetBlockUtilisation(q.ctx, &purchasingv1.GetBlockUtilisationRequest{ContractId: id, MinPosition: q.at()})
	if err != nil {
		return err
	}
	p := q.sess.Principal
	q.page.Title = "Block contract with " + c.GetProviderName()
	return q.render(view.BlkShowPage(q.page, view.BlkShow{Contract: c, Use: use, RequestID: requestID, Chart: blkChart(use),
		Decide: p.HasAnyRole(auth.ProviderAdmin) && p.OrgID() == c.GetProviderId() && c.GetStatus() == purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_PROPOSED,
		Reason: view.Field{ID: "reason", Label: "If you decline, say why", Hint: "The buyer reads this.", Value: q.r.PostFormValue("reason"), Errors: errs}}))
}

// blkNotFound: an id that is not one is a page that does not exist.
func blkNotFound(err error) error {
	if status.Code(err) == codes.InvalidArgument {
		return status.Error(codes.NotFound, "no such block contract")
	}
	return err
}

func (s *Server) blkAccept(q *rq) error {
	id := q.r.PathValue("id")
	again := func(errs []view.FieldError) error { return s.blkShowWith(q, errs, formRequestID(q.r)) }
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.blkClient().AcceptBlockContract(q.ctx, &purchasingv1.DecideBlockContractRequest{RequestId: requestID, ContractId: id})
		return res.GetPosition(), sayRule(blkNotFound(err), inTable(blkRules))
	}, "/block-contracts/"+id, "You accepted the reservation", again)
}

func (s *Server) blkDecline(q *rq) error {
	id := q.r.PathValue("id")
	again := func(errs []view.FieldError) error { return s.blkShowWith(q, errs, formRequestID(q.r)) }
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	if len(reason) < 3 {
		return q.refuse(again, view.FieldError{Field: "reason", Message: "Enter why you decline the reservation"})
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.blkClient().DeclineBlockContract(q.ctx, &purchasingv1.DecideBlockContractRequest{RequestId: requestID, ContractId: id, Reason: reason})
		return res.GetPosition(), sayRule(blkNotFound(err), inTable(blkRules))
	}, "/block-contracts/"+id, "You declined the reservation", again)
}

// blkNew asks which provider, then what to reserve with it.
func (s *Server) blkNew(q *rq) error {
	provider := strings.TrimSpace(q.r.URL.Query().Get("provider"))
	if provider == "" {
		return s.blkPick(q)
	}
	return s.blkForm(q, provider, nil, newRequestID())
}

func (s *Server) blkPick(q *rq) error {
	var opts []view.Option
	token := ""
	for {
		res, err := s.purchasing.ListProviders(q.ctx, &purchasingv1.ListProvidersRequest{PageSize: 1000, PageToken: token, MinPosition: q.at()})
		if err != nil {
			return err
		}
		for _, p := range res.GetProviders() {
			name := p.GetTradingName()
			if name == "" {
				name = p.GetLegalName()
			}
			opts = append(opts, view.Option{Value: p.GetProviderId(), Text: name})
		}
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	slices.SortFunc(opts, func(a, b view.Option) int { return strings.Compare(a.Text, b.Text) })
	q.page.Title = "Which provider do you want to reserve places with?"
	return q.render(view.BlkPickPage(q.page, view.BlkPick{Provider: view.Field{ID: "provider", Label: q.page.Title, Heading: true, Options: opts}}))
}

// blkProvider is the provider's live settings, for the form.
func (s *Server) blkProvider(q *rq, id string) (*purchasingv1.ProviderView, []*purchasingv1.Setting, error) {
	pv, err := s.purchasing.GetProvider(q.ctx, &purchasingv1.GetProviderRequest{ProviderId: id, MinPosition: q.at()})
	if err != nil {
		if status.Code(err) == codes.InvalidArgument {
			return nil, nil, status.Error(codes.NotFound, "no such provider")
		}
		return nil, nil, err
	}
	var settings []*purchasingv1.Setting
	for _, st := range pv.GetSettings() {
		if !st.GetRemoved() {
			settings = append(settings, st.GetSetting())
		}
	}
	return pv, settings, nil
}

// blkConsortia are the consortia a council buys through: those with a DPS
// listing it as a member.
func (s *Server) blkConsortia(q *rq) ([]string, error) {
	own := q.sess.Principal.OrgID()
	res, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range res.GetDps() {
		if slices.Contains(out, d.GetConsortium()) {
			continue
		}
		v, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: d.GetDpsId(), MinPosition: q.at()})
		if err != nil {
			return nil, err
		}
		if slices.Contains(v.GetTerms().GetMemberCouncils(), own) {
			out = append(out, d.GetConsortium())
		}
	}
	slices.Sort(out)
	return out, nil
}

func blkPlacesID(urn string) string { return "places-" + urn }

func (s *Server) blkForm(q *rq, providerID string, errs []view.FieldError, requestID string) error {
	pv, settings, err := s.blkProvider(q, providerID)
	if err != nil {
		return err
	}
	r := q.r
	name := pv.GetProfile().GetTradingName()
	if name == "" {
		name = pv.GetProfile().GetLegalName()
	}
	f := view.BlkForm{ProviderID: providerID, ProviderName: name, RequestID: requestID,
		Start: plcDateField(r, "starts_on", "When does the term start?", "For example, 1 1 2027", errs),
		End:   plcDateField(r, "ends_on", "When does it end?", "The last day places are reserved, at most four years after the start", errs),
		Price: view.Field{ID: "price", Label: "Weekly price of one place, in pounds", Hint: "For example, 3500", Value: r.PostFormValue("price"), Errors: errs, Width: "10"},
		Kind: view.Field{ID: "kind", Label: "Are empty places paid for?", Value: r.PostFormValue("kind"), Errors: errs, Options: []view.Option{
			{Value: "block", Text: "Yes: a block contract", Hint: "You pay for every reserved place, used or not."},
			{Value: "soft", Text: "No: a soft block", Hint: "Empty places are not paid for; they are offered to your referrals first."}}},
		Note: view.Field{ID: "note", Label: "Note for the provider (optional)", Value: r.PostFormValue("note"), Errors: errs},
	}
	for _, st := range settings {
		f.Settings = append(f.Settings, view.BlkSettingPlaces{URN: st.GetUrn(), Field: view.Field{ID: blkPlacesID(st.GetUrn()),
			Label: "Places at " + st.GetName(), Hint: blkCount(st.GetRegisteredPlaces(), "registered place"), Value: r.PostFormValue(blkPlacesID(st.GetUrn())),
			Errors: errs, Width: "2"}})
	}
	if q.sess.Principal.OrgKind() == auth.OrgCouncil {
		cs, err := s.blkConsortia(q)
		if err != nil {
			return err
		}
		c := view.Field{ID: "consortium", Label: "Which consortium do you buy these places through?", Value: r.PostFormValue("consortium"), Errors: errs}
		for _, id := range cs {
			c.Options = append(c.Options, view.Option{Value: id, Text: "Consortium " + id})
		}
		if len(cs) == 1 && c.Value == "" {
			c.Value = cs[0]
		}
		f.Consortium = &c
	}
	q.page.Title = "Reserve places with " + name
	return q.render(view.BlkFormPage(q.page, f))
}

func blkCount(n uint32, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatUint(uint64(n), 10) + " " + one + "s"
}

// blkReserve checks the form, then reserves the places.
func (s *Server) blkReserve(q *rq) error {
	r := q.r
	providerID := strings.TrimSpace(r.PostFormValue("provider"))
	_, settings, err := s.blkProvider(q, providerID)
	if err != nil {
		return err
	}
	again := func(errs []view.FieldError) error { return s.blkForm(q, providerID, errs, formRequestID(r)) }
	var errs problems
	var reserved []*purchasingv1.ReservedSetting
	var urns []string
	for _, st := range settings {
		v := strings.TrimSpace(r.PostFormValue(blkPlacesID(st.GetUrn())))
		if v == "" {
			continue
		}
		n, ok := parseWhole(v, 1, int(st.GetRegisteredPlaces()))
		if !ok {
			errs.add(blkPlacesID(st.GetUrn()), "Places at "+st.GetName()+" must be a whole number from 1 to "+strconv.Itoa(int(st.GetRegisteredPlaces())))
			continue
		}
		reserved = append(reserved, &purchasingv1.ReservedSetting{Urn: st.GetUrn(), Places: uint32(n)})
		urns = append(urns, st.GetUrn())
	}
	if len(reserved) == 0 && len(errs) == 0 && len(settings) > 0 {
		errs.add(blkPlacesID(settings[0].GetUrn()), "Enter the places to reserve at one setting at least")
	}
	start := blkDate(r, "starts_on", "the start of the term", &errs)
	end := blkDate(r, "ends_on", "the end of the term", &errs)
	pence, ok := parsePence(r.PostFormValue("price"))
	if !ok || pence <= 0 {
		errs.add("price", "Enter the weekly price of one place in pounds, for example 3500")
	}
	kind := map[string]purchasingv1.BlockKind{"block": purchasingv1.BlockKind_BLOCK_KIND_BLOCK, "soft": purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK}[r.PostFormValue("kind")]
	if kind == 0 {
		errs.add("kind", "Select whether empty places are paid for")
	}
	consortium := ""
	if q.sess.Principal.OrgKind() == auth.OrgCouncil {
		if consortium = r.PostFormValue("consortium"); consortium == "" {
			errs.add("consortium", "Select the consortium you buy these places through")
		}
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	res, err := s.blkClient().ReserveCapacity(q.ctx, &purchasingv1.ReserveCapacityRequest{RequestId: formRequestID(r), ProviderId: providerID, Settings: reserved,
		StartsOn: start, EndsOn: end, WeeklyPricePence: pence, Kind: kind, Consortium: consortium, Note: strings.TrimSpace(r.PostFormValue("note"))})
	if err == nil {
		return q.done("/block-contracts/"+res.GetId(), res.GetPosition(), "Places reserved: the provider is asked to accept")
	}
	if fe, ok := blkFormErrors(sayRule(err, inTable(blkRules)), urns); ok {
		return q.refuse(again, fe...)
	}
	return err
}

// blkDate reads a date field as YYYY-MM-DD.
func blkDate(r interface{ PostFormValue(string) string }, id, what string, errs *problems) string {
	parts := []string{strings.TrimSpace(r.PostFormValue(id + "-day")), strings.TrimSpace(r.PostFormValue(id + "-month")), strings.TrimSpace(r.PostFormValue(id + "-year"))}
	d, ok := parseDate(parts)
	if !ok {
		errs.add(id+"-day", "Enter "+what+" as a real date, for example 1 1 2027")
	}
	return d
}

// blkFormErrors are the service's refusals of a reservation on the form's
// fields: settings[i] is the i-th setting given places (urns).
func blkFormErrors(err error, urns []string) ([]view.FieldError, bool) {
	st, _ := status.FromError(err)
	field := func(path string) string {
		for i, urn := range urns {
			if strings.HasPrefix(path, "settings["+strconv.Itoa(i)+"]") {
				return blkPlacesID(urn)
			}
		}
		switch path {
		case "starts_on", "ends_on":
			return path + "-day"
		case "weekly_price_pence":
			return "price"
		}
		return path
	}
	switch st.Code() {
	case codes.InvalidArgument:
		var out []view.FieldError
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					out = append(out, view.FieldError{Field: field(v.GetField()), Message: capitalise(v.GetDescription())})
				}
			}
		}
		return out, len(out) > 0
	case codes.FailedPrecondition, codes.Aborted:
		return formErrors(err, field)
	}
	return nil, false
}

// blkChart draws the weekly table's places used and empty as bars, week by
// week; nil when there is nothing to draw (the table is always shown).
func blkChart(use *purchasingv1.BlockUtilisation) *view.DemandChart {
	var weeks []string
	used, empty := chart.Series{Name: "Places used"}, chart.Series{Name: "Places empty"}
	for _, w := range use.GetWeeks() {
		weeks = append(weeks, "Week of "+view.Date(w.GetWeekStarting()))
		used.Values = append(used.Values, w.GetPlacesUsed())
		empty.Values = append(empty.Values, w.GetPlacesEmpty())
	}
	if len(weeks) == 0 {
		return nil
	}
	svg, err := chart.Bars("Reserved places each week", "Places (average over the week)", weeks, []chart.Series{used, empty})
	if err != nil {
		return nil
	}
	return &view.DemandChart{Src: chart.DataURI(svg), Alt: "Bar chart of the reserved places used and empty on average each week. The figures are in the table below."}
}
