package dev.attune.nn.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A partition of a list into training and held-out items, each side keeping the original order.
 *
 * @param train      items used for training
 * @param validation held-out items
 */
public record Split<T>(List<T> train, List<T> validation) {

    public Split {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
    }

    /** Puts every item for which {@code heldOut} is true into {@code validation}, the rest into {@code train}. */
    public static <T> Split<T> of(List<T> items, Predicate<? super T> heldOut) {
        List<T> train = new ArrayList<>();
        List<T> validation = new ArrayList<>();
        for (T item : items) {
            (heldOut.test(item) ? validation : train).add(item);
        }
        return new Split<>(train, validation);
    }
}
