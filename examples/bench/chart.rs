//! The chart of the three scaling series (database size, answer size, connections), three
//! panels in one SVG, drawn with plotters' SVG backend.

use crate::report::Report;
use crate::tables::count;
use crate::Res;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// One line of a panel.
struct Series {
    name: &'static str,
    values: Vec<f64>,
    color: RGBColor,
}

const SWITCHBOARD: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const SECOND: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const BASELINE: RGBColor = RGBColor(0x7f, 0x7f, 0x7f);

/// Writes the chart of `r`'s scaling tables to `path`.
pub fn draw(path: &Path, r: &Report) -> Res<()> {
    let root = SVGBackend::new(path, (1500, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(text)?;
    let panels = root.split_evenly((1, 3));
    let sizes: Vec<String> = r.sizes.iter().map(|s| count(s.fillers)).collect();
    panel(
        &panels[0],
        "Database size (64 connections)",
        "filler accounts seeded",
        "requests/s",
        &sizes,
        vec![
            Series {
                name: "op 1009, 10 contacts",
                values: r.sizes.iter().map(|s| s.list.rate).collect(),
                color: SWITCHBOARD,
            },
            Series {
                name: "HelpAged user/info",
                values: r.sizes.iter().map(|s| s.info.rate).collect(),
                color: SECOND,
            },
        ],
    )?;
    let books: Vec<String> = r.answers.iter().map(|a| a.contacts.to_string()).collect();
    panel(
        &panels[1],
        "Answer size: op 1009 (64 connections)",
        "contacts in the book",
        "µs per contact (1 / rate / contacts)",
        &books,
        vec![Series {
            name: "op 1009",
            values: r
                .answers
                .iter()
                .map(|a| 1e6 / a.run.rate / a.contacts as f64)
                .collect(),
            color: SWITCHBOARD,
        }],
    )?;
    let levels: Vec<String> = r.connections.iter().map(|(n, _)| n.to_string()).collect();
    panel(
        &panels[2],
        "Connections: op 1009, 100 accounts",
        "connections",
        "requests/s",
        &levels,
        vec![
            Series {
                name: "switchboard",
                values: r
                    .connections
                    .iter()
                    .map(|(_, p)| p.switchboard.rate)
                    .collect(),
                color: SWITCHBOARD,
            },
            Series {
                name: "bare hyper baseline",
                values: r.connections.iter().map(|(_, p)| p.baseline.rate).collect(),
                color: BASELINE,
            },
        ],
    )?;
    root.present().map_err(text)?;
    Ok(())
}

fn text(e: impl std::fmt::Display) -> crate::Error {
    format!("chart: {e}").into()
}

/// One panel: the series over categorical x values `labels`.
fn panel(
    area: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    labels: &[String],
    series: Vec<Series>,
) -> Res<()> {
    // Segments 0..=last: one per label.
    let last = (labels.len() as i32 - 1).max(0);
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((0..last).into_segmented(), 0.0..top * 1.15)
        .map_err(text)?;
    let label = |x: &SegmentValue<i32>| match x {
        SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(labels.len())
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(text)?;
    for s in series {
        let color = s.color;
        let points: Vec<(SegmentValue<i32>, f64)> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (SegmentValue::CenterOf(i as i32), *v))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(text)?
            .label(s.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 4, color.filled())),
            )
            .map_err(text)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::MiddleRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(text)?;
    Ok(())
}
