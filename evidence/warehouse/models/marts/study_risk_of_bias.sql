-- materialized: view
-- Risk of bias per study (analyst contract): the tool (rob2 for randomised studies,
-- robins_i for non-randomised ones), each domain's judgement, and the overall judgement
-- derived from them:
--   RoB 2 (Sterne 2019): high if any domain is high; some_concerns if any is some_concerns or
--     has no information; low only if every domain is low.
--   ROBINS-I (Sterne 2016): the most severe domain (critical > serious > moderate > low);
--     no_information when no domain is serious or critical and one lacks information.
-- risk_of_bias maps the overall judgement to the arms' three levels (low | some | high):
-- moderate, some_concerns and no_information -> some; serious, critical and high -> high.
with judged as (
    select * from risk_of_bias
),

studies as (
    select
        study_id,
        any_value(rob_tool) as rob_tool,
        bool_or(judgement = 'high') as any_high,
        bool_or(judgement = 'critical') as any_critical,
        bool_or(judgement = 'serious') as any_serious,
        bool_or(judgement in ('some_concerns', 'moderate')) as any_some,
        bool_or(judgement = 'no_information') as any_no_information,
        map_from_entries(list({'k': domain, 'v': judgement})) as domains,
        string_agg(domain || ': ' || support, ' | ' order by domain) as support,
        any_value(citation) as citation,
        any_value(source_url) as source_url,
        any_value(data_origin) as data_origin
    from judged
    group by study_id
),

final as (
    select
        study_id,
        rob_tool,
        case
            when rob_tool = 'rob2' and any_high then 'high'
            when rob_tool = 'rob2' and (any_some or any_no_information) then 'some_concerns'
            when rob_tool = 'rob2' then 'low'
            when any_critical then 'critical'
            when any_serious then 'serious'
            when any_no_information then 'no_information'
            when any_some then 'moderate'
            else 'low'
        end as overall,
        case
            when any_high or any_critical or any_serious then 'high'
            when any_some or any_no_information then 'some'
            else 'low'
        end as risk_of_bias,
        domains,
        support,
        citation,
        source_url,
        data_origin
    from studies
    order by study_id
)

select * from final
