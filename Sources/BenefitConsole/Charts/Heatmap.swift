/// Bookings per hospital per day (Assets/heatmap.mustache): one row per
/// hospital, one column per day, each cell shaded by how much of the
/// hospital's daily capacity is booked, a full day marked. SVG drawn on the
/// server; wide enough to read, it scrolls sideways on a phone.
struct Heatmap {
    struct Cell {
        let row: String
        /// `YYYY-MM-DD`.
        let column: String
        let value: Int
        let capacity: Int
        /// The cell's tooltip (the hospital, the day, booked of capacity).
        let text: String
    }

    let title: String
    let cells: [Cell]
    /// Under a column: the day as the page's language writes it.
    let columnLabel: (String) -> String

    static let (labelWidth, cellHeight, top, minimumCell) = (150.0, 20.0, 8.0, 9.0)
    static let width = 640.0

    var model: [String: Any] {
        var rows: [String] = []
        var columns: [String] = []
        for cell in cells {
            if !rows.contains(cell.row) { rows.append(cell.row) }
            if !columns.contains(cell.column) { columns.append(cell.column) }
        }
        columns.sort()
        let cellWidth = max(Self.minimumCell, (Self.width - Self.labelWidth) / Double(max(columns.count, 1)))
        let width = Self.labelWidth + cellWidth * Double(columns.count)
        let gridHeight = Self.cellHeight * Double(rows.count)
        let rowIndex = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
        let columnIndex = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        // A day label every few columns, so that they do not overlap (about 44 units each).
        let labelEvery = max(1, Int((44 / cellWidth).rounded(.up)))
        return [
            "title": title, "width": SVGNumber.text(width), "height": SVGNumber.text(Self.top + gridHeight + 28),
            "empty": cells.isEmpty,
            "rows": rows.enumerated().map { index, row in
                ["label": row, "x": SVGNumber.text(Self.labelWidth - 6), "y": SVGNumber.text(Self.top + Self.cellHeight * (Double(index) + 0.7))]
            },
            "columns": columns.enumerated().compactMap { index, column -> [String: Any]? in
                guard index % labelEvery == 0 else { return nil }
                return [
                    "label": columnLabel(column), "x": SVGNumber.text(Self.labelWidth + cellWidth * (Double(index) + 0.5)),
                    "y": SVGNumber.text(Self.top + gridHeight + 16),
                ]
            },
            "cells": cells.compactMap { cell -> [String: Any]? in
                guard let row = rowIndex[cell.row], let column = columnIndex[cell.column] else { return nil }
                let share = cell.capacity > 0 ? min(1, Double(cell.value) / Double(cell.capacity)) : 0
                return [
                    "x": SVGNumber.text(Self.labelWidth + cellWidth * Double(column) + 1), "y": SVGNumber.text(Self.top + Self.cellHeight * Double(row) + 1),
                    "width": SVGNumber.text(cellWidth - 2), "height": SVGNumber.text(Self.cellHeight - 2),
                    "opacity": String(format: "%.2f", 0.12 + 0.88 * share), "full": cell.value >= cell.capacity, "text": cell.text,
                ]
            },
        ]
    }
}
