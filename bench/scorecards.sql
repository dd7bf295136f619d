-- Every built-in scorecard variable of every supplier for one period, in one statement (the benchmark's
-- reference). Parameters: start and end, the period's first and last days; starts_at and ends_at, its UTC instants.
WITH due AS (
    SELECT id, supplier_id, quantity, due_date FROM purchase_order
    WHERE status <> 'cancelled' AND due_date >= :start AND due_date <= :end
), received AS (
    SELECT r.order_id, SUM(r.quantity) AS qty FROM receipt r JOIN due d ON d.id = r.order_id
    WHERE r.received_on <= d.due_date GROUP BY r.order_id
), rejected AS (
    SELECT i.order_id FROM inspection i JOIN due d ON d.id = i.order_id
    WHERE i.inspected_on <= :end AND NOT (i.defects * 100 <= i.max_defect_percent * i.sampled)
    GROUP BY i.order_id
), delivery AS (
    SELECT d.supplier_id, COUNT(*) AS orders_due, SUM(d.quantity) AS qty_due,
           SUM(CASE WHEN COALESCE(rc.qty, 0) >= d.quantity THEN d.quantity ELSE COALESCE(rc.qty, 0) END) AS qty_on_time,
           SUM(CASE WHEN COALESCE(rc.qty, 0) >= d.quantity AND rj.order_id IS NULL THEN 1 ELSE 0 END) AS otif
    FROM due d LEFT JOIN received rc ON rc.order_id = d.id LEFT JOIN rejected rj ON rj.order_id = d.id
    GROUP BY d.supplier_id
), quality AS (
    SELECT o.supplier_id, SUM(i.sampled) AS sampled, SUM(i.defects) AS defects, COUNT(*) AS lots,
           SUM(CASE WHEN i.defects * 100 <= i.max_defect_percent * i.sampled THEN 1 ELSE 0 END) AS accepted
    FROM inspection i JOIN purchase_order o ON o.id = i.order_id
    WHERE i.inspected_on >= :start AND i.inspected_on <= :end
    GROUP BY o.supplier_id
), samples AS (
    SELECT 1 AS kind, supplier_id, {confirmation} AS v FROM purchase_order
    WHERE issued_at >= :starts_at AND issued_at < :ends_at AND confirmed_at IS NOT NULL AND status <> 'cancelled'
    UNION ALL
    SELECT 2, supplier_id, {first_response} FROM ticket
    WHERE opened_at >= :starts_at AND opened_at < :ends_at AND opened_side = 'buyer' AND first_response_at IS NOT NULL
    UNION ALL
    SELECT 3, supplier_id, {resolution} FROM ticket
    WHERE responsible = 'supplier' AND resolved_at >= :starts_at AND resolved_at < :ends_at
), ranked AS (
    SELECT kind, supplier_id, v,
           ROW_NUMBER() OVER (PARTITION BY kind, supplier_id ORDER BY v) AS rn,
           COUNT(*) OVER (PARTITION BY kind, supplier_id) AS n
    FROM samples
), medians AS (
    SELECT supplier_id,
           AVG(CASE WHEN kind = 1 THEN v END) AS confirmation_hours,
           AVG(CASE WHEN kind = 2 THEN v END) AS first_response_hours,
           AVG(CASE WHEN kind = 3 THEN v END) AS resolution_hours
    FROM ranked WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2
    GROUP BY supplier_id
), breaches AS (
    SELECT supplier_id,
           SUM(CASE WHEN opened_side = 'buyer' AND first_response_due >= :starts_at AND first_response_due < :ends_at
                         AND (first_response_at IS NULL OR first_response_at > first_response_due) THEN 1 ELSE 0 END
             + CASE WHEN resolution_due >= :starts_at AND resolution_due < :ends_at
                         AND (resolved_at IS NULL OR resolved_at > resolution_due) THEN 1 ELSE 0 END) AS sla_breaches
    FROM ticket
    WHERE responsible = 'supplier' AND ((first_response_due >= :starts_at AND first_response_due < :ends_at)
                                        OR (resolution_due >= :starts_at AND resolution_due < :ends_at))
    GROUP BY supplier_id
), ratings AS (
    SELECT supplier_id,
           AVG(CASE WHEN dimension = 'price' THEN score END) AS rating_price,
           AVG(CASE WHEN dimension = 'compliance' THEN score END) AS rating_compliance,
           AVG(CASE WHEN dimension = 'service' THEN score END) AS rating_service
    FROM scorecard_rating WHERE period_start = :start
    GROUP BY supplier_id
)
SELECT s.id,
       COALESCE(d.orders_due, 0) AS orders_due, COALESCE(d.qty_due, 0) AS qty_due,
       COALESCE(d.qty_on_time, 0) AS qty_on_time,
       CASE WHEN d.qty_due > 0 THEN d.qty_on_time * 100.0 / d.qty_due END AS on_time_rate,
       CASE WHEN d.orders_due > 0 THEN d.otif * 100.0 / d.orders_due END AS otif_rate,
       COALESCE(q.sampled, 0) AS sampled, COALESCE(q.defects, 0) AS defects,
       CASE WHEN q.sampled > 0 THEN q.defects * 1000000.0 / q.sampled END AS defect_ppm,
       CASE WHEN q.lots > 0 THEN q.accepted * 100.0 / q.lots END AS lot_acceptance_rate,
       m.confirmation_hours, m.first_response_hours, m.resolution_hours,
       COALESCE(b.sla_breaches, 0) AS sla_breaches,
       r.rating_price, r.rating_compliance, r.rating_service
FROM supplier s
LEFT JOIN delivery d ON d.supplier_id = s.id
LEFT JOIN quality q ON q.supplier_id = s.id
LEFT JOIN medians m ON m.supplier_id = s.id
LEFT JOIN breaches b ON b.supplier_id = s.id
LEFT JOIN ratings r ON r.supplier_id = s.id
ORDER BY s.id
