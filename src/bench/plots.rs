//! SVG plots of a benchmark's results (plotters' SVG backend: text is written as SVG `<text>`,
//! so no font is read from the system): availability over time per strategy, makespan
//! against extra node-hours, and the RTO and RPO distributions of the restore strategies.
//! Like the CSV and JSON, each plot is a function of the rows alone.

use super::metrics::M;
use super::report::{Results, Row};
use plotters::prelude::*;

/// Distinct colours for up to ten strategies (then they repeat).
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

const SIZE: (u32, u32) = (900, 540);

/// Every plot of the results: (file name, SVG text).
pub fn all(r: &Results) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for group in ["drain", "upgrade"] {
        let strategies = strategies_of(r, group);
        if strategies.is_empty() {
            continue;
        }
        out.push((format!("availability-{group}.svg"), availability(r, group, &strategies)));
        out.push((
            format!("makespan-vs-extra-node-hours-{group}.svg"),
            scatter(r, group, &strategies),
        ));
    }
    let restores = strategies_of(r, "restore");
    if !restores.is_empty() {
        out.push(("rto.svg".to_string(), cdf(r, &restores, M::Rto, "RTO (s)")));
        out.push(("rpo.svg".to_string(), cdf(r, &restores, M::Rpo, "RPO (s)")));
    }
    out
}

fn strategies_of(r: &Results, group: &str) -> Vec<String> {
    r.strategies
        .iter()
        .filter(|(g, _)| g == group)
        .map(|(_, s)| s.clone())
        .collect()
}

fn rows_of<'a>(r: &'a Results, strategy: &'a str) -> impl Iterator<Item = &'a Row> + 'a {
    r.rows.iter().filter(move |row| row.strategy == strategy)
}

/// Share of replicas Ready over time, per strategy, on the first seed of the range.
fn availability(r: &Results, group: &str, strategies: &[String]) -> String {
    let seed = r.seeds.from;
    let lines: Vec<(String, Vec<(f64, f64)>)> = strategies
        .iter()
        .filter_map(|s| {
            rows_of(r, s)
                .find(|row| row.seed == seed)
                .map(|row| (s.clone(), row.series.clone()))
        })
        .collect();
    let x_max = lines
        .iter()
        .flat_map(|(_, pts)| pts.iter().map(|p| p.0))
        .fold(1.0f64, f64::max);
    let y_min = lines
        .iter()
        .flat_map(|(_, pts)| pts.iter().map(|p| p.1))
        .fold(1.0f64, f64::min);
    let y_min = (y_min - 0.02).clamp(0.0, 0.98);
    let title = format!("{group}: share of replicas Ready (seed {seed})");
    draw(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max * 1.02, y_min..1.005)?;
        chart
            .configure_mesh()
            .x_desc("minutes since the strategy started")
            .y_desc("Ready / desired replicas")
            .draw()?;
        for (i, (name, pts)) in lines.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
        Ok(())
    })
}

/// Each run as a point: makespan (minutes) against extra node-hours.
fn scatter(r: &Results, group: &str, strategies: &[String]) -> String {
    let points: Vec<(String, Vec<(f64, f64)>)> = strategies
        .iter()
        .map(|s| {
            let pts = rows_of(r, s)
                .filter_map(|row| Some((row.get(M::ExtraNodeHours)?, row.get(M::Makespan)? / 60.0)))
                .collect();
            (s.clone(), pts)
        })
        .collect();
    let x_max = points
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.0))
        .fold(0.0f64, f64::max)
        .max(0.1);
    let y_max = points
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.1))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let title = format!("{group}: makespan against extra node-hours (one point per seed)");
    draw(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(-x_max * 0.03..x_max * 1.08, 0.0..y_max * 1.08)?;
        chart
            .configure_mesh()
            .x_desc("extra node-hours")
            .y_desc("makespan (minutes)")
            .draw()?;
        for (i, (name, pts)) in points.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 4, colour.filled())))?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, colour.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
        Ok(())
    })
}

/// The empirical distribution (CDF) of a restore metric per strategy/incident.
fn cdf(r: &Results, strategies: &[String], m: M, what: &str) -> String {
    let lines: Vec<(String, Vec<(f64, f64)>)> = strategies
        .iter()
        .map(|s| {
            let mut v: Vec<f64> = rows_of(r, s).filter_map(|row| row.get(m)).collect();
            v.sort_by(f64::total_cmp);
            let n = v.len() as f64;
            let mut pts = Vec::with_capacity(v.len() * 2);
            for (i, x) in v.iter().enumerate() {
                pts.push((*x, i as f64 / n));
                pts.push((*x, (i + 1) as f64 / n));
            }
            (s.clone(), pts)
        })
        .collect();
    let x_max = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.0))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let title = format!("restores: distribution of {what}");
    draw(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max * 1.05, 0.0..1.02)?;
        chart
            .configure_mesh()
            .x_desc(what)
            .y_desc("share of seeds at or below")
            .draw()?;
        for (i, (name, pts)) in lines.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
        Ok(())
    })
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Runs `paint` on a white SVG canvas and returns the SVG text (a plot that cannot be drawn
/// says so in the SVG instead of failing the run).
fn draw(paint: impl FnOnce(&Area<'_>) -> Result<(), DrawingAreaErrorKind<std::io::Error>>) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| paint(&root).map_err(|e| e.to_string()));
        if let Err(e) = drawn {
            let _ = root.draw(&Text::new(format!("plot failed: {e}"), (10, 20), ("sans-serif", 14)));
        }
        let _ = root.present();
    }
    svg
}
