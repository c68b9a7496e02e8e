package web

import (
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// a13cLogRoutes are the decision logs of a consortium's purchases: each
// referral (with its placement agreement's decisions once awarded, as
// purchasing keeps them), each contract monitoring holds (a placement's
// outcomes and end, a framework's), and each block contract. Who may read
// one is the service's to say: a lead its own consortium's, an auditor
// every one; anyone else is not found.
func (s *Server) a13cLogRoutes() {
	s.page("GET /decisions/referrals/{id}", platDecisionReaders, s.a13cReferralLog)
	s.page("GET /decisions/contracts/{id}", platDecisionReaders, s.a13cContractLog)
	s.page("GET /decisions/block-contracts/{id}", platDecisionReaders, s.a13cBlockLog)
}

// a13cPurchasingLog is one of purchasing's logs (a referral's or a block
// contract's).
func (s *Server) a13cPurchasingLog(q *rq, id string, log decisionLog) (decisionLog, error) {
	res, err := s.purchasing.GetDecisionLog(q.ctx, &purchasingv1.GetDecisionLogRequest{Id: id, MinPosition: q.at()})
	if err != nil {
		return decisionLog{}, err
	}
	for _, d := range res.GetDecisions() {
		log.decisions = append(log.decisions, logged{at: logTime(d.GetOccurredAt()), who: d.GetActor().GetSubject(), role: d.GetActor().GetRole(),
			org: d.GetActor().GetOrganisation(), decision: d.GetDecision(), summary: d.GetSummary(), reason: d.GetReason(),
			provider: d.GetProviderId(), eventID: d.GetEventId(), correlationID: d.GetCorrelationId(), causationID: d.GetCausationId()})
	}
	return log, nil
}

func (s *Server) a13cReferralLog(q *rq) error {
	id := q.r.PathValue("id")
	return s.showLog(q, func() (decisionLog, error) {
		if !strings.HasPrefix(id, "ref-") {
			return decisionLog{}, status.Error(codes.NotFound, "not a referral")
		}
		ref, err := s.purchasing.GetReferral(q.ctx, &purchasingv1.GetReferralRequest{ReferralId: id, MinPosition: q.at()})
		if err != nil {
			return decisionLog{}, err
		}
		return s.a13cPurchasingLog(q, id, decisionLog{kind: "Referral", title: a13cReferralTitle(ref), file: id})
	})
}

func (s *Server) a13cContractLog(q *rq) error {
	id := q.r.PathValue("id")
	return s.showLog(q, func() (decisionLog, error) {
		c, err := s.monitoring.GetContract(q.ctx, &monitoringv1.GetContractRequest{ContractId: id, MinPosition: q.at()})
		if err != nil {
			return decisionLog{}, err
		}
		return s.monitoringLog(q, "contract", id, decisionLog{kind: "Contract", title: a13cContractTitle(c), file: "contract-" + id})
	})
}

func (s *Server) a13cBlockLog(q *rq) error {
	id := q.r.PathValue("id")
	return s.showLog(q, func() (decisionLog, error) {
		if !strings.HasPrefix(id, "blk-") {
			return decisionLog{}, status.Error(codes.NotFound, "not a block contract")
		}
		c, err := s.blkClient().GetBlockContract(q.ctx, &purchasingv1.GetBlockContractRequest{ContractId: id, MinPosition: q.at()})
		if err != nil {
			return decisionLog{}, err
		}
		return s.a13cPurchasingLog(q, id, decisionLog{kind: "Block contract", title: a13cBlockTitle(c), file: id})
	})
}

// a13cReferralTitle names a referral as the council's pages do: the child
// in words, the council, the day it was made.
func a13cReferralTitle(r *purchasingv1.ReferralView) string {
	return view.RefChild(r.GetNeed()) + ", " + view.CouncilName(r.GetCouncil()) + ", referred " + view.When(r.GetCreatedAt())
}

func a13cContractTitle(c *monitoringv1.Contract) string {
	if c.GetKind() == monitoringv1.ContractKind_CONTRACT_KIND_FRAMEWORK {
		return "Framework contract with " + platNameOr(c.GetProviderName(), c.GetProviderId())
	}
	return "Placement by " + view.CouncilName(c.GetCouncil()) + " at setting " + c.GetSettingUrn() + ", " + platNameOr(c.GetProviderName(), c.GetProviderId())
}

func a13cBlockTitle(c *purchasingv1.BlockContractView) string {
	buyer := "consortium " + c.GetConsortium()
	if c.GetCouncil() != "" {
		buyer = view.CouncilName(c.GetCouncil())
	}
	return "Places reserved by " + buyer + " with " + platNameOr(c.GetProviderName(), c.GetProviderId())
}

// a13cDealLogs are the logs of a consortium's purchases, for an auditor
// who chose the consortium: its referrals (newest first, read per DPS of
// the consortium), the contracts monitoring holds for it and its block
// contracts (its own and its councils'). Referrals and contracts run to
// thousands in a year, so each list is shown a page at a time.
func (s *Server) a13cDealLogs(q *rq, slug string) (view.A13cDealLogs, error) {
	var out view.A13cDealLogs
	query := "?consortium=" + slug
	dpss, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{Consortium: slug, MinPosition: q.at()})
	if err != nil {
		return out, err
	}
	var refs []view.A13cLogRow
	for _, d := range dpss.GetDps() {
		res, err := s.refListAll(q, &purchasingv1.ListReferralsRequest{DpsId: d.GetDpsId()})
		if err != nil {
			return out, err
		}
		for _, r := range res {
			refs = append(refs, view.A13cLogRow{Title: a13cReferralTitle(r), Href: "/decisions/referrals/" + r.GetReferralId() + query,
				Status: view.Words(r.GetStatus()), Created: r.GetCreatedAt().AsTime()})
		}
	}
	slices.SortStableFunc(refs, func(a, b view.A13cLogRow) int { return b.Created.Compare(a.Created) })
	out.Referrals = a13cPaged(q, "referrals", refs)
	var contracts []view.A13cLogRow
	res, err := s.monitoring.ListContracts(q.ctx, &monitoringv1.ListContractsRequest{Consortium: slug})
	switch {
	case status.Code(err) == codes.NotFound:
		// Monitoring does not know the consortium yet.
	case err != nil:
		return out, err
	}
	for _, c := range res.GetContracts() {
		contracts = append(contracts, view.A13cLogRow{Title: a13cContractTitle(c), Href: "/decisions/contracts/" + c.GetContractId() + query,
			Status: view.Words(c.GetStatus())})
	}
	out.Contracts = a13cPaged(q, "contracts", contracts)
	blks, err := s.blkClient().ListBlockContracts(q.ctx, &purchasingv1.ListBlockContractsRequest{MinPosition: q.at()})
	if err != nil {
		return out, err
	}
	var blocks []view.A13cLogRow
	for _, c := range blks.GetContracts() {
		if c.GetConsortium() == slug {
			blocks = append(blocks, view.A13cLogRow{Title: a13cBlockTitle(c), Href: "/decisions/block-contracts/" + c.GetContractId() + query,
				Status: view.Words(c.GetStatus())})
		}
	}
	out.Blocks = a13cPaged(q, "blocks", blocks)
	return out, nil
}

// a13cPerPage is how many logs a list shows at a time.
const a13cPerPage = 100

// a13cPaged is the page of rows that the query's param asks for (from 1),
// with links to the pages before and after that keep the rest of the query.
func a13cPaged(q *rq, param string, rows []view.A13cLogRow) view.A13cLogList {
	pages := max(1, (len(rows)+a13cPerPage-1)/a13cPerPage)
	page, _ := strconv.Atoi(q.r.URL.Query().Get(param))
	page = min(max(page, 1), pages)
	first := (page - 1) * a13cPerPage
	l := view.A13cLogList{Rows: rows[first:min(first+a13cPerPage, len(rows))], Total: len(rows), First: first + 1}
	link := func(n int) string { return pageLink(q, param, strconv.Itoa(n), param) }
	if page > 1 {
		l.Prev = link(page - 1)
	}
	if page < pages {
		l.Next = link(page + 1)
	}
	return l
}
